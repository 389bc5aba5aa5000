//! The part of a type's code its derived builders write: every attribute with a plain
//! builder (`#[resource(setter)]`, `insert = "tag"`, `push = "admin_group"`, listed by
//! [`Resource::builders`]) whose live value differs from what the constructor gives, as
//! `.setter(literal)`, `.tag(key, value)` or one `.push(item)` per item beyond the
//! constructor's. A type's generator writes its constructor and composite builders (lifecycle
//! rules, node pools) by hand and leaves the rest to [`plain_builders`].

use super::{Declaration, GenerateContext, GenerateError, number, string, tags};
use crate::resource::Resource;
use crate::schema::BuilderKind;
use crate::value::{Attrs, Value};

/// The attribute the environment's standard tags go into.
const TAGS: &str = "tags";

/// Adds to `declaration` a call of each plain builder of `R` whose attribute `live` holds
/// otherwise than `constructed` (what the generator's constructor call builds), except the
/// attributes in `handled`, which the generator writes itself. A value no literal can write
/// (a map where a scalar is set, an item the constructor has that the object lacks) is an
/// error naming the attribute, never code that would plan a change.
pub fn plain_builders<R: Resource>(
    mut declaration: Declaration,
    live: &Attrs,
    constructed: &R,
    handled: &[&str],
    ctx: &GenerateContext<'_>,
) -> Result<Declaration, GenerateError> {
    let base = attributes(constructed);
    let address = declaration.address.clone();
    for builder in R::builders() {
        let attribute = builder.attribute;
        if handled.contains(&attribute) {
            continue;
        }
        let Some(value) = live.get(attribute).filter(|v| !matches!(v, Value::Null)) else { continue };
        let default = base.get(attribute);
        let fail = |reason: String| GenerateError::new(&address, attribute, reason);
        match builder.kind {
            BuilderKind::Set => {
                if Some(value) != default {
                    let literal =
                        literal(value).ok_or_else(|| fail(format!("`.{}` takes no literal", builder.method)))?;
                    declaration.chain = declaration.chain.call(builder.method, [literal]);
                }
            }
            BuilderKind::Insert if attribute == TAGS && builder.method == "tag" => {
                let live_tags = value.as_map().ok_or_else(|| fail("the live value is no map".into()))?;
                let strings = live_tags.iter().filter_map(|(k, v)| v.as_str().map(|v| (k.to_string(), v.to_string())));
                declaration = tags(declaration, &strings.collect(), ctx);
            }
            BuilderKind::Insert => {
                let map = value.as_map().ok_or_else(|| fail("the live value is no map".into()))?;
                let base_map = default.and_then(Value::as_map);
                if let Some(missing) = base_map.and_then(|b| b.keys().find(|k| !map.contains_key(k))) {
                    return Err(fail(format!("the constructor sets `{missing}`, which the object lacks")));
                }
                for (key, item) in map {
                    if base_map.and_then(|b| b.get(key)) != Some(item) {
                        let literal = literal(item).ok_or_else(|| fail(format!("`{key}` holds no literal")))?;
                        declaration.chain = declaration.chain.call(builder.method, [string(key), literal]);
                    }
                }
            }
            BuilderKind::Push => {
                let Value::List(items) = value else { return Err(fail("the live value is no list".into())) };
                let base_items: &[Value] = match default {
                    Some(Value::List(b)) => b,
                    _ => &[],
                };
                if !items.starts_with(base_items) {
                    return Err(fail("the constructor's items are not the object's first".into()));
                }
                for item in &items[base_items.len()..] {
                    let literal = literal(item).ok_or_else(|| fail("an item is no literal".into()))?;
                    declaration.chain = declaration.chain.call(builder.method, [literal]);
                }
            }
        }
    }
    Ok(declaration)
}

/// A scalar as a Rust literal: a string, a boolean or a number.
pub fn literal(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(string(s)),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(_) => number(value),
        _ => None,
    }
}

/// What `spec` serializes to: the attributes its builders set.
pub fn attributes<R: Resource>(spec: &R) -> Attrs {
    match serde_json::to_value(spec).ok().map(Value::from_json) {
        Some(Ok(Value::Map(map))) => map,
        _ => Attrs::new(),
    }
}
