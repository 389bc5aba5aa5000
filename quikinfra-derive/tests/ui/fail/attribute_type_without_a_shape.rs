use quikinfra_core::resource::{Meta, Resource};
use serde::Serialize;

#[derive(Serialize)]
enum Tier {
    Small,
}

#[derive(Serialize, Resource)]
#[resource(type = "demo_box", provider = "demo")]
struct DemoBox {
    #[serde(skip)]
    meta: Meta,
    tier: Tier,
}

fn main() {}
