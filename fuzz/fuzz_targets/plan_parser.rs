//! Fuzzes the saved-plan parser: any bytes give a plan or a clear error, never a panic; a plan
//! that parses renders (text and JSON) without panicking and its JSON reads back the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use quikinfra_core::jsonplan::from_json;
use quikinfra_core::render::{TextOptions, plan_json, plan_text};

fuzz_target!(|data: &[u8]| {
    if let Ok(plan) = from_json(data) {
        let _ = plan_text(&plan, &TextOptions { color: false });
        let json = plan_json(&plan);
        let again = from_json(json.as_bytes()).expect("what we write, we read");
        assert_eq!(again, plan);
    }
});
