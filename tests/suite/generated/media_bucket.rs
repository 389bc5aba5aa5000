// Written by quikinfra from live objects, for environment `imported`. Paste it into the
// definition (or call `declare(&mut env)`), then import each object and plan: "No changes".
//   then: cargo run --example imported -- import aws_s3_bucket.media quikapp-media-imported
//   then: cargo run --example imported -- plan
// Other resources' ARNs, ids and names are literal strings here: where the definition
// declares them, pass their references instead (`key.arn()`).

use quikinfra::aws::LifecycleRule;
use quikinfra::aws::S3Bucket;
use quikinfra::aws::StorageClass;
use quikinfra::prelude::*;

/// Declares the imported objects.
pub fn declare(env: &mut Environment) {
    env.add(
        S3Bucket::new("media", "quikapp-media-imported")
            .expire_after_days(365)
            .transition(30, StorageClass::StandardIa)
            .lifecycle_rule(LifecycleRule::new("logs").prefix("logs/\"raw\"/").expire_after_days(7))
            .sse_kms("arn:aws:kms:us-east-1:123456789012:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0")
            .allow_public_access()
            .versioning(true)
            .tag("team", "média \"core\""),
    );
}
