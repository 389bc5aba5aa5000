use quikinfra_core::resource::{Meta, Resource};
use serde::Serialize;

#[derive(Serialize, Resource)]
#[resource(type = "demo_box", provider = "demo")]
struct DemoBox {
    #[serde(skip)]
    meta: Meta,
    #[resource(computed)]
    arn: String,
}

fn main() {}
