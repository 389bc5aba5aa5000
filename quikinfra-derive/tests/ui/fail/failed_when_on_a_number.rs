use quikinfra_core::resource::{Meta, Resource};
use quikinfra_core::value::Computed;
use serde::Serialize;

#[derive(Serialize, Resource)]
#[resource(type = "demo_box", provider = "demo")]
struct DemoBox {
    #[serde(skip)]
    meta: Meta,
    #[serde(skip)]
    #[resource(watch, failed_when = ["0"])]
    exit_code: Computed<u32>,
}

fn main() {}
