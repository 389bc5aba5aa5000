// Written by quikinfra from live objects, for environment `imported`. Paste it into the
// definition (or call `declare(&mut env)`), then import each object and plan: "No changes".
//   then: cargo run --example imported -- import aws_kms_key.media <id>
//   then: cargo run --example imported -- plan
// Other resources' ARNs, ids and names are literal strings here: where the definition
// declares them, pass their references instead (`key.arn()`).

use quikinfra::aws::KmsKey;
use quikinfra::prelude::*;

/// Declares the imported objects.
pub fn declare(env: &mut Environment) {
    env.add(
        KmsKey::new("media")
            .alias("alias/quikapp-media-imported")
            .description("media at rest, \"made by hand\"")
            .rotation(false)
            .tag("team", "media"),
    );
}
