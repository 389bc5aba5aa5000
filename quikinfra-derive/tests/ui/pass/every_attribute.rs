use std::collections::BTreeMap;

use quikinfra_core::diag::FieldProblems;
use quikinfra_core::resource::{Meta, Resource, ResourceExt};
use quikinfra_core::schema::{AttrMode, AttrType, AttrValue};
use quikinfra_core::value::{Computed, Secret, Val};
use serde::Serialize;

#[derive(Clone, Copy, Serialize, AttrValue)]
enum Tier {
    Small,
    #[serde(rename = "LARGE")]
    Large,
}

#[derive(Serialize, Resource)]
#[resource(type = "demo_box", provider = "demo", refs(arn, box_name = name), validate = Self::check)]
#[serde(rename_all = "camelCase")]
struct DemoBox {
    #[serde(skip)]
    meta: Meta,
    /// The box's ARN.
    #[serde(skip)]
    #[resource(computed)]
    arn: Computed<String>,
    #[resource(identity, force_new = "a box cannot be renamed")]
    name: String,
    #[resource(setter)]
    tier: Tier,
    #[resource(setter)]
    size_gb: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[resource(optional_computed, setter = "zone")]
    availability_zone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[resource(setter, sensitive)]
    password: Option<Secret>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[resource(setter)]
    link: Option<Val<String>>,
    #[resource(push = "label")]
    labels: Vec<String>,
    #[resource(insert = "tag")]
    tags: BTreeMap<String, String>,
    #[serde(skip)]
    #[resource(watch, failed_when = ["Failed", "Canceled"])]
    state: Computed<String>,
    #[serde(skip)]
    #[resource(watch, failed_when = STOPPED)]
    power: Computed<String>,
    #[serde(skip)]
    #[resource(watch)]
    health: Computed<String>,
}

const STOPPED: &[&str] = &["Stopped"];

impl DemoBox {
    fn check(&self, problems: &mut FieldProblems<'_>) {
        if self.size_gb == 0 {
            problems.field("sizeGb", "must not be 0");
        }
    }
}

fn main() {
    let b = DemoBox {
        meta: Meta::named("b"),
        arn: Computed::new(),
        name: "b".into(),
        tier: Tier::Small,
        size_gb: 1,
        availability_zone: None,
        password: None,
        link: None,
        labels: Vec::new(),
        tags: BTreeMap::new(),
        state: Computed::new(),
        power: Computed::new(),
        health: Computed::new(),
    };
    let other = b.arn();
    let b = b.tier(Tier::Large).size_gb(20).zone("1").password(Secret::from_env("PW")).link(other).label("x").tag("k", "v");
    let schema = DemoBox::schema();
    let names: Vec<&str> = schema.attributes.iter().map(|a| a.name).collect();
    assert_eq!(names, ["arn", "name", "tier", "sizeGb", "availabilityZone", "password", "link", "labels", "tags", "state", "power", "health"]);
    assert_eq!(schema.attr("arn").unwrap().mode, AttrMode::Computed);
    assert_eq!(schema.attr("state").unwrap().mode, AttrMode::Watch);
    assert_eq!(schema.attr("tier").unwrap().ty, AttrType::String);
    assert_eq!(schema.attr("name").unwrap().replace_reason, "a box cannot be renamed");
    assert!(schema.attr("password").unwrap().sensitive);
    assert!(schema.attr("name").unwrap().identity && !schema.attr("tier").unwrap().identity);
    assert_eq!(schema.attr("state").unwrap().failed, ["Failed", "Canceled"]);
    assert_eq!(schema.attr("power").unwrap().failed, ["Stopped"]);
    assert!(schema.attr("health").unwrap().failed.is_empty());
    assert_eq!(DemoBox::SIZE_GB.name(), "sizeGb");
    assert_eq!(b.box_name().reference().to_string(), "demo_box.b.name");
    assert_eq!(b.address().to_string(), "demo_box.b");
}
