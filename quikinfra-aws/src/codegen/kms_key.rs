//! `aws_kms_key` as code: the constructor by hand; alias, description, rotation and tags
//! through the derived builders. A key policy is read only when one was declared, so an
//! imported key keeps its policy unmanaged; a policy in the live attributes is refused by name.

use quikinfra_core::addr::Address;
use quikinfra_core::codegen::{self, Chain, Declaration, Generate, GenerateContext, GenerateError};
use quikinfra_core::value::Attrs;

use super::without_empty;
use crate::KmsKey;

impl Generate for KmsKey {
    fn generate(address: &Address, live: &Attrs, ctx: &GenerateContext<'_>) -> Result<Declaration, GenerateError> {
        let chain = Chain::new("KmsKey::new", [codegen::string(address.name())]);
        let declaration = Declaration::new(address.clone(), ["quikinfra::aws::KmsKey"], chain);
        // KMS reads a key without a description as "": the constructor's unset one.
        let live = without_empty(live, &[KmsKey::DESCRIPTION.name()]);
        codegen::plain_builders(declaration, &live, &KmsKey::new(address.name()), &[], ctx)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::testing::{code, live};
    use super::*;

    #[test]
    fn a_key_is_written_through_its_builders() {
        let key = live(json!({
            "id": "0f1e2d3c", "key_id": "0f1e2d3c", "arn": "arn:aws:kms:us-east-1:123456789012:key/0f1e2d3c",
            "alias": "alias/quikapp-media", "description": "media \"at rest\"", "enable_key_rotation": false,
            "tags": {"team": "media"}
        }));
        assert_eq!(
            code::<KmsKey>("media", &key).unwrap(),
            r#"KmsKey::new("media").alias("alias/quikapp-media").description("media \"at rest\"").rotation(false).tag("team", "media")"#
        );
    }

    #[test]
    fn what_the_constructor_gives_is_left_out() {
        let key = live(json!({"id": "k", "description": "", "enable_key_rotation": true, "tags": {}}));
        assert_eq!(code::<KmsKey>("k", &key).unwrap(), r#"KmsKey::new("k")"#);
    }

    #[test]
    fn a_live_policy_is_refused_by_name() {
        let key = live(json!({"enable_key_rotation": true, "policy": {"Version": "2012-10-17", "Statement": []}}));
        assert_eq!(
            code::<KmsKey>("k", &key).unwrap_err().to_string(),
            "aws_kms_key.k: cannot write `policy` as code: `.policy` takes no literal"
        );
    }
}
