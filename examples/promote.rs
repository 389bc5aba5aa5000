//! What promoting a release from one environment to another meets: where both stand in the
//! deployment flow, and how their definitions differ, resource by resource.
//!
//! Run `cargo run --example promote -- --from staging --to production`; with no arguments it
//! prints the flow.

#[path = "blueprint/mod.rs"]
mod blueprint;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |flag: &str| {
        let eq = format!("{flag}=");
        args.iter().enumerate().find_map(|(i, a)| {
            if a == flag { args.get(i + 1).cloned() } else { a.strip_prefix(&eq).map(str::to_string) }
        })
    };
    let (Some(from), Some(to)) = (value("--from"), value("--to")) else {
        print!("{}", blueprint::flow::flow_text());
        println!("\nusage: promote --from <environment> --to <environment>");
        return;
    };
    match blueprint::flow::promotion(&from, &to) {
        Ok((note, comparison)) => {
            print!("{note}\n{}", comparison.to_text());
        }
        Err(e) => {
            eprintln!("Error: {e}");
            std::process::exit(1);
        }
    }
}
