// Written by quikinfra from live objects, for environment `imported`. Paste it into the
// definition (or call `declare(&mut env)`), then import each object and plan: "No changes".
//   then: cargo run --example imported -- import aws_cloudfront_distribution.media <id>
//   then: cargo run --example imported -- plan
// Other resources' ARNs, ids and names are literal strings here: where the definition
// declares them, pass their references instead (`key.arn()`).

use quikinfra::aws::AllowedMethods;
use quikinfra::aws::CloudFrontDistribution;
use quikinfra::aws::MinimumProtocolVersion;
use quikinfra::aws::PriceClass;
use quikinfra::aws::ViewerProtocolPolicy;
use quikinfra::prelude::*;

/// Declares the imported objects.
pub fn declare(env: &mut Environment) {
    env.add(
        CloudFrontDistribution::new("media", "quikapp-media-imported.s3.us-east-1.amazonaws.com")
            .origin_path("/media")
            .viewer_protocol_policy(ViewerProtocolPolicy::HttpsOnly)
            .allowed_methods(AllowedMethods::GetHeadOptions)
            .cache_policy("Managed-CachingDisabled")
            .compress(false)
            .price_class(PriceClass::Class200)
            .alias("media.quikapp.com")
            .alias("static.quikapp.com")
            .certificate("arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0")
            .minimum_protocol_version(MinimumProtocolVersion::Tls12_2019)
            .enabled(false)
            .web_acl("arn:aws:wafv2:us-east-1:123456789012:global/webacl/quikapp-edge/1a2b3c4d")
            .tag("team", "media"),
    );
}
