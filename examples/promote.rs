//! What promoting a release from one environment to another meets: where both stand in the
//! deployment flow, and how they differ, resource by resource: their definitions, or with
//! `--live` what is deployed (both states, names and domains normalised away).
//!
//! Run `cargo run --example promote -- --from staging --to production [--live]` (every global
//! flag works: `--state-dir`, `--backend`); with no arguments it prints the flow.

#[path = "blueprint/mod.rs"]
mod blueprint;

use clap::Parser;

/// Compare two environments of the QuikApp estate along the deployment flow.
#[derive(Debug, Parser)]
#[command(name = "promote")]
struct Args {
    /// The environment a release comes from.
    #[arg(long, requires = "to")]
    from: Option<String>,
    /// The environment it is promoted to.
    #[arg(long, requires = "from")]
    to: Option<String>,
    /// Compare what is deployed (both states) instead of the definitions.
    #[arg(long)]
    live: bool,
    #[command(flatten)]
    global: quikinfra::cli::GlobalArgs,
}

fn main() {
    let args = Args::parse();
    let (Some(from), Some(to)) = (&args.from, &args.to) else {
        print!("{}", blueprint::flow::flow_text());
        println!("\nusage: promote --from <environment> --to <environment> [--live]");
        return;
    };
    let result = if args.live {
        quikinfra::cli::open_states(&args.global, &quikinfra::cli::plugins())
            .map_err(|e| e.to_string())
            .and_then(|states| blueprint::flow::promotion_deployed(from, to, &states))
    } else {
        blueprint::flow::promotion(from, to)
    };
    match result {
        Ok((note, comparison)) => print!("{note}\n{}", comparison.to_text()),
        Err(e) => {
            eprintln!("Error: {e}");
            std::process::exit(1);
        }
    }
}
