use quikinfra_core::resource::{Meta, Resource};
use quikinfra_core::value::Computed;
use serde::Serialize;

#[derive(Serialize, Resource)]
#[resource(type = "demo_box", provider = "demo", refs(arm))]
struct DemoBox {
    #[serde(skip)]
    meta: Meta,
    #[serde(skip)]
    #[resource(computed)]
    arn: Computed<String>,
    name: String,
}

fn main() {}
