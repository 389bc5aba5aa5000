//! The AWS types that write the code declaring a live object (`import --generate`): one
//! module per type implementing [`Generate`](quikinfra_core::codegen::Generate), the helpers
//! they share, and the table of them the `aws` plugin hands out ([`generators`]).

mod cloudfront_distribution;
mod kms_key;
mod s3_bucket;
mod waf_web_acl;

use quikinfra_core::codegen::Generators;
use quikinfra_core::value::{Attrs, Value};

use crate::{CloudFrontDistribution, KmsKey, S3Bucket, WafWebAcl};

/// Every AWS type with a generator.
pub fn generators() -> Generators {
    Generators::new().with::<S3Bucket>().with::<KmsKey>().with::<WafWebAcl>().with::<CloudFrontDistribution>()
}

/// The field `key` of a map value (a rule, a setting), if it is a map holding one.
fn field<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    value.as_map().and_then(|m| m.get(key))
}

/// `live` without the attributes in `unset` where they read back empty (`null`, `""`, `{}`,
/// `[]`): what the cloud reports for a setting the constructor leaves unset, which the code
/// leaves out too.
fn without_empty(live: &Attrs, unset: &[&str]) -> Attrs {
    let mut out = live.clone();
    for name in unset {
        let empty = match out.get(name) {
            Some(Value::Null) => true,
            Some(Value::String(s)) => s.is_empty(),
            Some(Value::Map(m)) => m.is_empty(),
            Some(Value::List(l)) => l.is_empty(),
            _ => false,
        };
        if empty {
            out.remove(name);
        }
    }
    out
}

#[cfg(test)]
mod testing {
    //! What the generators' unit tests share: live attributes from JSON and the chain a
    //! generator writes for them.

    use std::collections::BTreeMap;

    use quikinfra_core::addr::Address;
    use quikinfra_core::codegen::{Generate, GenerateContext, GenerateError};
    use quikinfra_core::value::{Attrs, Value};

    /// `json` (an object) as live attributes.
    pub fn live(json: serde_json::Value) -> Attrs {
        match Value::from_json(json) {
            Ok(Value::Map(m)) => m,
            other => panic!("live attributes must be an object, got {other:?}"),
        }
    }

    /// The chain `R` writes for `live` as `<type>.<name>`, on one line, with no standard tags.
    pub fn code<R: Generate>(name: &str, live: &Attrs) -> Result<String, GenerateError> {
        let none = BTreeMap::new();
        let address = Address::new(R::TYPE, name);
        R::generate(&address, live, &GenerateContext { standard_tags: &none }).map(|d| d.chain.inline())
    }
}
