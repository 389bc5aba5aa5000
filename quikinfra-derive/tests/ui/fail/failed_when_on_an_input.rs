use quikinfra_core::resource::{Meta, Resource};
use serde::Serialize;

#[derive(Serialize, Resource)]
#[resource(type = "demo_box", provider = "demo")]
struct DemoBox {
    #[serde(skip)]
    meta: Meta,
    #[resource(failed_when = ["Failed"])]
    state: String,
}

fn main() {}
