//! Resource policies between the engine's attributes and AWS's JSON text: rendering the
//! declared document, and reading back what AWS returns so that an unchanged policy keeps the
//! form state recorded (see [`crate::iam_policy::equivalent`]).

use quikinfra_core::provider::ProviderError;
use quikinfra_core::value::Value;

use crate::iam_policy;

/// The policy text to send: the declared document, references resolved, keys sorted.
pub(crate) fn render(address: &str, policy: Option<&Value>) -> Result<String, ProviderError> {
    let Some(policy) = policy else {
        return Err(ProviderError::permanent(format!("{address}: attribute `policy` is missing")));
    };
    if !policy.is_known() {
        return Err(ProviderError::permanent(format!("{address}: `policy` still holds an unresolved reference")));
    }
    serde_json::to_string(policy).map_err(|e| ProviderError::permanent(format!("{address}: rendering `policy`: {e}")))
}

/// The live policy `text` as an attribute: the `prior` value itself when the two mean the same,
/// else the canonical form of what AWS returned.
pub(crate) fn read_back(call: &str, text: &str, prior: Option<&Value>) -> Result<Value, ProviderError> {
    let live = iam_policy::parse(text).map_err(|e| ProviderError::permanent(format!("{call}: {e}")))?;
    if let Some(prior) = prior
        && let Ok(recorded) = serde_json::to_value(prior)
        && iam_policy::equivalent(&recorded, &live)
    {
        return Ok(prior.clone());
    }
    Value::from_json(iam_policy::normalize(&live)).map_err(|e| ProviderError::permanent(format!("{call}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_equivalent_answer_keeps_the_recorded_form_and_a_changed_one_is_canonical() {
        let recorded = Value::from_json(serde_json::json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": ["cloudfront.amazonaws.com"]}, "Action": ["s3:GetObject"],
             "Resource": ["arn:aws:s3:::m/*"]}
        ]}))
        .unwrap();
        let same = r#"{"Statement":[{"Resource":"arn:aws:s3:::m/*","Action":"s3:GetObject","Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"}}],"Version":"2012-10-17"}"#;
        assert_eq!(read_back("s3:GetBucketPolicy", same, Some(&recorded)).unwrap(), recorded);
        let changed = same.replace("s3:GetObject", "s3:*");
        let read = read_back("s3:GetBucketPolicy", &changed, Some(&recorded)).unwrap();
        assert_ne!(read, recorded);
        assert_eq!(
            serde_json::to_value(&read).unwrap()["Statement"][0]["Action"],
            serde_json::json!(["s3:*"]),
            "canonical: lists stay lists"
        );
        assert!(read_back("s3:GetBucketPolicy", "{", None).unwrap_err().message.contains("not JSON"));
        assert_eq!(render("aws_s3_bucket_policy.m", Some(&recorded)).unwrap(), {
            r#"{"Statement":[{"Action":["s3:GetObject"],"Effect":"Allow","Principal":{"Service":["cloudfront.amazonaws.com"]},"Resource":["arn:aws:s3:::m/*"]}],"Version":"2012-10-17"}"#
        });
        assert!(render("aws_s3_bucket_policy.m", None).is_err());
    }
}
