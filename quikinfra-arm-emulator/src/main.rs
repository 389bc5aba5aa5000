//! The ARM emulator on its own: `cargo run -p quikinfra-arm-emulator -- [--port N] [--polls N]
//! [--retry-after-ms N]`. It prints the environment to point quikinfra at it and serves until
//! interrupted.

use std::process::ExitCode;

use quikinfra_arm_emulator::{Config, Emulator};

fn parse(args: &[String]) -> Result<Config, String> {
    let mut config = Config { port: 8085, polls: 3, retry_after_ms: 200 };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = |name: &str| -> Result<u64, String> {
            let text = it.next().ok_or(format!("{name} needs a value"))?;
            text.parse().map_err(|_| format!("{name}: `{text}` is not a number"))
        };
        match flag.as_str() {
            "--port" => config.port = u16::try_from(value("--port")?).map_err(|_| "--port: out of range")?,
            "--polls" => config.polls = u32::try_from(value("--polls")?).map_err(|_| "--polls: out of range")?,
            "--retry-after-ms" => config.retry_after_ms = value("--retry-after-ms")?,
            "-h" | "--help" => {
                return Err("usage: quikinfra-arm-emulator [--port N (8085; 0 = any)] [--polls N (3)] [--retry-after-ms N (200)]".into());
            }
            other => return Err(format!("unknown argument `{other}` (try --help)")),
        }
    }
    Ok(config)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let config = match parse(&args) {
        Ok(c) => c,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let emulator = match Emulator::start(config) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    println!("ARM emulator listening on {}", emulator.url());
    println!("Point quikinfra at it with:");
    println!("  export AZURE_RESOURCE_MANAGER_ENDPOINT={}", emulator.url());
    println!("  export AZURE_ACCESS_TOKEN=emulator");
    println!("  export AZURE_SUBSCRIPTION_ID=00000000-0000-0000-0000-000000000000");
    println!("Control API under {}/_emulator/ (faults, requests, resources, reset). Ctrl-C stops it.", emulator.url());
    loop {
        std::thread::park();
    }
}
