//! `aws_kms_key` against moto through the engine: create, no noise, in-place changes, delete.

use quikinfra_aws::KmsKey;
use quikinfra_core::environment::Environment;

use crate::support::{World, actions, assert_no_changes, text, unique};

#[tokio::test]
async fn a_key_is_created_changed_in_place_and_scheduled_for_deletion() {
    let world = World::new();
    let alias = format!("alias/{}", unique("media"));
    let env = Environment::new("staging").with(KmsKey::new("media").alias(&alias).description("media at rest"));
    world.converge(&env).await;
    assert_no_changes(&world.plan(&env).await);

    let renamed = format!("alias/{}", unique("media"));
    let changed = Environment::new("staging")
        .tag("owner", "platform")
        .with(KmsKey::new("media").alias(&renamed).description("media objects at rest").rotation(false));
    let plan = world.plan(&changed).await;
    assert_eq!(actions(&plan), ["Update aws_kms_key.media"], "{}", text(&plan));
    let names: Vec<&str> = plan.resource_changes[0].changes.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["alias", "description", "enable_key_rotation", "tags"]);
    let report = world.apply(&changed, &plan).await;
    assert!(report.succeeded(), "{:?}", report.failures);
    assert_no_changes(&world.plan(&changed).await);

    let kms = aws_sdk_kms::Client::new(&world.moto.config);
    let aliases = kms.list_aliases().send().await.unwrap();
    let names: Vec<&str> = aliases.aliases().iter().filter_map(|a| a.alias_name()).collect();
    assert!(names.contains(&renamed.as_str()), "{names:?}");
    assert!(!names.contains(&alias.as_str()), "{names:?}");

    let empty = Environment::new("staging");
    let plan = world.plan(&empty).await;
    assert_eq!(actions(&plan), ["Delete aws_kms_key.media"]);
    let report = world.apply(&empty, &plan).await;
    assert!(report.succeeded(), "{:?}", report.failures);
    assert!(report.state.resources.is_empty());
}
