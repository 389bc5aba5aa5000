//! `import ADDRESS ID --generate` and `import --generate --discover TYPE`: print (or write to
//! `--out`) the Rust code declaring live objects, through `ops::generate` and the plugins'
//! generators; the next steps go to standard error. Nothing is written to state.

use std::collections::BTreeMap;

use quikinfra_core::codegen::Generators;
use quikinfra_core::ops::generate::{self, DiscoverFilter, Generated};
use quikinfra_core::provider::boundary::list;

use super::import::ImportArgs;
use crate::error::{CliError, CliResult};
use crate::session::{Definition, Session};

/// Writes the code.
pub async fn exec(session: &Session, definition: Definition<'_>, args: &ImportArgs) -> CliResult {
    let env = definition.env;
    let mut generators = Generators::new();
    for plugin in session.plugins() {
        generators.extend(plugin.generators());
    }
    let type_name = match (&args.discover, &args.address) {
        (Some(type_name), _) => type_name.as_str(),
        (None, Some(address)) => address.type_name(),
        (None, None) => return Err(CliError::msg("import --generate needs ADDRESS and ID, or --discover TYPE")),
    };
    check_known(session, &generators, type_name)?;
    let generator = generate::generator(&generators, type_name)?;
    let target = session.target_with(env, generator.schema.provider, true)?;
    let providers = &target.providers;
    let generated: Vec<Generated> = match (&args.discover, &args.address, &args.id) {
        (Some(type_name), _, _) => {
            let tags = parse_tags(&args.tags)?;
            let filter = DiscoverFilter { tags: &tags, resource_group: args.resource_group.as_deref() };
            generate::discover(env, providers, &generators, type_name, filter).await?
        }
        (None, Some(address), Some(id)) => vec![generate::generate(env, providers, &generators, address, id).await?],
        _ => return Err(CliError::msg("import --generate needs ADDRESS and ID, or --discover TYPE")),
    };
    if generated.is_empty() {
        session.shell.err_line(&format!("No `{type_name}` object matched; nothing to write."));
        return Ok(0);
    }
    let code = generate::render(env.name(), &generated);
    match &args.out {
        Some(path) => {
            std::fs::write(path, &code)
                .map_err(|e| CliError::msg(format!("cannot write the code to {}: {e}", path.display())))?;
            session.shell.err_line(&format!("Wrote the code of {} object(s) to {}.", generated.len(), path.display()));
        }
        None => session.shell.out(&code),
    }
    for g in &generated {
        session.shell.err_line(&format!(
            "Next: paste the code into `{}`'s definition, then run `import {} {}`, then `plan`: it shows \"No changes\".",
            env.name(),
            g.declaration.address,
            g.id
        ));
    }
    Ok(0)
}

/// A type no linked plugin serves is unknown: said apart from one that has no generator.
fn check_known(session: &Session, generators: &Generators, type_name: &str) -> Result<(), CliError> {
    let served = session.plugins().iter().any(|p| p.serves().contains(&type_name));
    if served || generators.get(type_name).is_some() {
        return Ok(());
    }
    Err(CliError::msg(format!(
        "unknown resource type `{type_name}`: no linked plugin serves it (these types can be written as code: {})",
        list(&generators.types())
    )))
}

/// `KEY=VALUE` flags as a map; a flag without `=` is refused, naming it.
fn parse_tags(flags: &[String]) -> Result<BTreeMap<String, String>, CliError> {
    flags
        .iter()
        .map(|flag| match flag.split_once('=') {
            Some((key, value)) if !key.is_empty() => Ok((key.to_string(), value.to_string())),
            _ => Err(CliError::msg(format!("--tag `{flag}`: expected KEY=VALUE"))),
        })
        .collect()
}
