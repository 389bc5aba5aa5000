//! Fuzzes the state parser: any bytes give a state or a clear error, never a panic; a state
//! that parses writes back to a document that parses to the same state.
#![no_main]

use libfuzzer_sys::fuzz_target;
use quikinfra_core::state::file::{from_json, to_json};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(state) = from_json(text, std::path::Path::new("fuzz.json")) {
        let written = to_json(&state);
        let again = from_json(&written, std::path::Path::new("fuzz.json")).expect("what we write, we read");
        assert_eq!(again, state);
        assert_eq!(to_json(&again), written, "writing is deterministic");
    }
});
