//! Fuzzes the command line: any arguments and `QUIKINFRA_*` variables give an exit code and a
//! message, never a panic. The input is split on NUL bytes; a part `NAME=value` whose name starts
//! with `QUIKINFRA_` is set as a variable, every other part is an argument. State and the
//! simulator's world live in a temporary directory per run.
#![no_main]
#![allow(unsafe_code)] // the fuzzer runs one input at a time, on one thread

use libfuzzer_sys::fuzz_target;
use quikinfra_cli::{Context, run_with};
use quikinfra_core::environment::Environment;
use quikinfra_core::local::LocalFile;

const VARIABLES: &[&str] = &[
    "QUIKINFRA_STATE_DIR",
    "QUIKINFRA_BACKEND",
    "QUIKINFRA_CLOUD",
    "QUIKINFRA_LOCK_TTL",
    "QUIKINFRA_SIM_LATENCY_MS",
    "QUIKINFRA_SIM_TRANSIENT_RATE",
    "QUIKINFRA_SIM_FAIL",
    "QUIKINFRA_SIM_SEED",
];

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let dir = tempfile::tempdir().expect("temp dir");
    for name in VARIABLES {
        unsafe { std::env::remove_var(name) };
    }
    let mut args = vec!["fuzz".to_string(), "--state-dir".to_string(), dir.path().display().to_string()];
    let mut key = None;
    for part in text.split('\0').take(32) {
        match part.split_once('=') {
            Some((name, value)) if VARIABLES.contains(&name) => unsafe { std::env::set_var(name, value) },
            Some(("QUIKINFRA_STATE_KEY", value)) => key = Some(value.to_string()),
            _ => args.push(part.to_string()),
        }
    }
    let file = LocalFile::new("notes", dir.path().join("notes.txt").display().to_string(), "fuzzed\n");
    let env = Environment::new("fuzz").with(file);
    let mut ctx = Context::captured(Box::new(std::io::sink()), Box::new(std::io::sink()), vec![]);
    ctx.state_key = key;
    let code = run_with(env, args, ctx);
    assert!((0..=2).contains(&code) || code == 130, "exit code {code}");
});
