//! `import ADDRESS ID --generate` and `import --generate --discover TYPE`: the Rust code that
//! declares live objects, so bringing them under management is paste, import, plan.
//!
//! The objects are read through the providers as `import` reads them, and written as code by
//! their type's [`Generator`]; nothing is written to state (an address in state but not in the
//! definition would be planned as a destroy), and the address need not be declared. The file
//! says the next steps at its top: paste, `import ADDRESS ID`, `plan` ("No changes").

use std::collections::BTreeMap;

use super::OpsError;
use crate::addr::Address;
use crate::codegen::{self, Declaration, GenerateContext, Generator, Generators};
use crate::environment::Environment;
use crate::provider::{DiscoverRequest, Providers, ReadRequest};
use crate::value::Attrs;

/// One live object written as code: the declaration and the id `import` takes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Generated {
    /// The code.
    pub declaration: Declaration,
    /// The object's provider id.
    pub id: String,
}

/// Which objects `--discover` writes.
#[derive(Clone, Copy, Debug)]
pub struct DiscoverFilter<'a> {
    /// Only those carrying every one of these tags.
    pub tags: &'a BTreeMap<String, String>,
    /// Only those in this resource group (ARM).
    pub resource_group: Option<&'a str>,
}

/// The generator of `type_name`, or an error naming it and the types that have one.
pub fn generator(generators: &Generators, type_name: &str) -> Result<Generator, OpsError> {
    generators
        .get(type_name)
        .ok_or_else(|| OpsError::NoGenerator { type_name: type_name.to_string(), generated: generators.types() })
}

/// Reads the object `id` and writes the code declaring it as `address` in `env`.
pub async fn generate(
    env: &Environment,
    providers: &Providers,
    generators: &Generators,
    address: &Address,
    id: &str,
) -> Result<Generated, OpsError> {
    let generator = generator(generators, address.type_name())?;
    let live = read(providers, generator, address, id).await?;
    write(env, generator, address, id, &live)
}

/// Lists the objects of `type_name` the filter lets through and writes the code declaring
/// each, addressed by its own name (made a valid, unique address name), in the provider's
/// order (by id).
pub async fn discover(
    env: &Environment,
    providers: &Providers,
    generators: &Generators,
    type_name: &str,
    filter: DiscoverFilter<'_>,
) -> Result<Vec<Generated>, OpsError> {
    let generator = generator(generators, type_name)?;
    let family = generator.schema.provider;
    let req = DiscoverRequest {
        type_name,
        schema: generator.schema,
        tags: filter.tags,
        resource_group: filter.resource_group,
    };
    let found = providers
        .discover(family, req)
        .await
        .map_err(|source| OpsError::Discover { type_name: type_name.to_string(), source })?;
    let names: Vec<&str> = found.iter().map(|f| f.name.as_str()).collect();
    let mut out = Vec::new();
    for (object, name) in found.iter().zip(codegen::unique_address_names(&names)) {
        let address = Address::new(type_name, name);
        let live = read(providers, generator, &address, &object.id).await?;
        out.push(write(env, generator, &address, &object.id, &live)?);
    }
    Ok(out)
}

async fn read(providers: &Providers, generator: Generator, address: &Address, id: &str) -> Result<Attrs, OpsError> {
    let empty = Attrs::new();
    providers
        .read(generator.schema.provider, ReadRequest { address, id, prior: &empty })
        .await
        .map_err(|source| OpsError::Provider { address: address.clone(), source })?
        .ok_or_else(|| OpsError::NoSuchObject { address: address.clone(), id: id.to_string() })
}

fn write(
    env: &Environment,
    generator: Generator,
    address: &Address,
    id: &str,
    live: &Attrs,
) -> Result<Generated, OpsError> {
    let standard_tags = env.standard_tags();
    let declaration = generator.generate(address, live, &GenerateContext { standard_tags: &standard_tags })?;
    Ok(Generated { declaration, id: id.to_string() })
}

/// The file declaring `generated` in environment `env`: the next steps at the top (paste,
/// import each object, plan), then the code ([`codegen::render`]).
pub fn render(env: &str, generated: &[Generated]) -> String {
    let mut header = vec![
        format!("Written by quikinfra from live objects, for environment `{env}`. Paste it into the"),
        "definition (or call `declare(&mut env)`), then import each object and plan: \"No changes\".".to_string(),
    ];
    for g in generated {
        header.push(format!("  then: cargo run --example {env} -- import {} {}", g.declaration.address, g.id));
    }
    header.push(format!("  then: cargo run --example {env} -- plan"));
    header.push("Other resources' ARNs, ids and names are literal strings here: where the definition".to_string());
    header.push("declares them, pass their references instead (`key.arn()`).".to_string());
    let declarations: Vec<Declaration> = generated.iter().map(|g| g.declaration.clone()).collect();
    codegen::render(&header, &declarations)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::provider::{CreateRequest, Provider};
    use crate::resource::Resource;
    use crate::sim::Simulator;
    use crate::testing::Thing;

    async fn world() -> (Arc<Simulator>, Providers) {
        let sim = Arc::new(Simulator::in_memory());
        let providers = Providers::new().fallback(sim.clone(), 4);
        for (name, size, team) in [("alpha", 3, "x"), ("beta", 1, "y"), ("gamma", 5, "x")] {
            let thing = Thing::new(name).size(size).tag("team", team);
            let mut env = Environment::new("outside");
            env.add(thing);
            let node = &env.resources()[0];
            sim.create(CreateRequest::new(&node.address, node.schema, &node.attrs)).await.expect("created outside");
        }
        (sim, providers)
    }

    #[tokio::test]
    async fn generates_the_code_of_one_live_object_without_its_standard_tags() {
        let (_sim, providers) = world().await;
        let env = Environment::new("outside");
        let generators = Generators::new().with::<Thing>();
        let address = Address::new(Thing::TYPE, "imported");
        let generated = generate(&env, &providers, &generators, &address, "alpha-1").await.unwrap();
        assert_eq!(generated.declaration.chain.inline(), r#"Thing::new("imported").size(3).tag("team", "x")"#);
        insta::assert_snapshot!(render("outside", &[generated]));
    }

    #[tokio::test]
    async fn a_missing_object_and_a_type_without_a_generator_are_named() {
        let (_sim, providers) = world().await;
        let env = Environment::new("outside");
        let generators = Generators::new().with::<Thing>();
        let address = Address::new(Thing::TYPE, "imported");
        let missing = generate(&env, &providers, &generators, &address, "nope-1").await.unwrap_err();
        assert_eq!(missing.to_string(), "test_thing.imported: no object with id `nope-1` exists");
        let other = Address::new("aws_s3_bucket", "media");
        let none = generate(&env, &providers, &generators, &other, "x").await.unwrap_err();
        assert_eq!(
            none.to_string(),
            "`aws_s3_bucket` resources cannot be written as code; these types can: `test_thing`"
        );
    }

    #[tokio::test]
    async fn discovery_writes_every_object_of_the_type_carrying_the_tags() {
        let (_sim, providers) = world().await;
        let env = Environment::new("outside");
        let generators = Generators::new().with::<Thing>();
        let tags: BTreeMap<String, String> = [("team".to_string(), "x".to_string())].into();
        let filter = DiscoverFilter { tags: &tags, resource_group: None };
        let found = discover(&env, &providers, &generators, Thing::TYPE, filter).await.unwrap();
        let ids: Vec<&str> = found.iter().map(|g| g.id.as_str()).collect();
        assert_eq!(ids, ["alpha-1", "gamma-1"]);
        let everything = BTreeMap::new();
        let all = DiscoverFilter { tags: &everything, resource_group: None };
        assert_eq!(discover(&env, &providers, &generators, Thing::TYPE, all).await.unwrap().len(), 3);
    }
}
