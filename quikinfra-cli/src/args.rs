//! The arguments every command shares: global flags (where state lives, which target, lock
//! TTL, parallelism, verbosity) and the scope and plan flags of plan, apply and destroy.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use quikinfra_core::addr::Address;
use quikinfra_core::plan::{PlanMode, PlanOptions};

/// Which clouds a run talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Cloud {
    /// The embedded simulator (the default: no credentials needed).
    Sim,
    /// The real clouds, through the plugins linked into this program.
    Real,
}

/// The longest lock TTL accepted: a week (a lock outliving its run that long is a mistake).
pub const MAX_LOCK_TTL_SECS: u64 = 7 * 24 * 3600;

/// Flags every command takes, before or after its name.
#[derive(Debug, Args, Clone)]
pub struct GlobalArgs {
    /// Where state (and the simulator's world) live.
    #[arg(long, global = true, env = "QUIKINFRA_STATE_DIR", default_value = ".quikinfra")]
    pub state_dir: PathBuf,
    /// Keep state elsewhere than in --state-dir: a URL such as `s3://bucket/prefix/`, opened by
    /// the plugins linked into this program.
    #[arg(long, global = true, env = "QUIKINFRA_BACKEND", value_name = "URL")]
    pub backend: Option<String>,
    /// Target the embedded simulator or the real clouds.
    #[arg(long, global = true, env = "QUIKINFRA_CLOUD", value_enum, default_value_t = Cloud::Sim)]
    pub cloud: Cloud,
    /// Never colour output (NO_COLOR is respected too).
    #[arg(long, global = true)]
    pub no_color: bool,
    /// How long the state lock lives without renewal, in seconds (at most a week); a heartbeat
    /// renews it every third of that while the command runs, so a crashed run's lock frees
    /// itself in time.
    #[arg(long, global = true, env = "QUIKINFRA_LOCK_TTL", default_value_t = 300,
          value_parser = clap::value_parser!(u64).range(1..=MAX_LOCK_TTL_SECS))]
    pub lock_ttl: u64,
    /// Operations (and refresh reads) in flight at once.
    #[arg(long, global = true, default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..))]
    pub parallelism: u16,
    /// Also print provider call counts and retries.
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// Where an endpoint the definition names for FAMILY really answers (repeatable): LocalStack
    /// on another host or port than the definition says. Definitions serving FAMILY through the
    /// target, not at an endpoint of their own, are unaffected.
    #[arg(long = "endpoint", global = true, value_name = "FAMILY=URL", value_parser = parse_endpoint)]
    pub endpoints: Vec<(String, String)>,
}

impl GlobalArgs {
    /// The URL serving `family` when the definition names `url` for it (`--endpoint` first).
    pub fn endpoint_for<'a>(&'a self, family: &str, url: &'a str) -> &'a str {
        self.endpoints.iter().rev().find(|(f, _)| f == family).map_or(url, |(_, u)| u.as_str())
    }
}

/// `aws=http://127.0.0.1:4566` → (`aws`, the URL).
fn parse_endpoint(text: &str) -> Result<(String, String), String> {
    let (family, url) = text.split_once('=').ok_or("expected FAMILY=URL, as in aws=http://localhost:4566")?;
    let (family, url) = (family.trim(), url.trim());
    if family.is_empty() || !family.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
        return Err(format!("`{family}` is not a provider family (aws, azure, …)"));
    }
    if !(url.starts_with("http://") || url.starts_with("https://")) || url.len() <= "https://".len() {
        return Err(format!("`{url}` is not an http(s) URL"));
    }
    Ok((family.to_string(), url.to_string()))
}

/// Which resources a command considers.
#[derive(Debug, Args, Clone, Default)]
pub struct ScopeArgs {
    /// Only this resource and what it needs (repeatable); with a destroy, this resource and
    /// everything that depends on it.
    #[arg(long = "target", value_name = "ADDRESS")]
    pub targets: Vec<Address>,
    /// Not this resource nor what depends on it (repeatable); with a destroy, not this resource
    /// nor what it needs.
    #[arg(long = "exclude", value_name = "ADDRESS")]
    pub excludes: Vec<Address>,
}

/// Flags shared by plan and apply.
#[derive(Debug, Args, Clone)]
pub struct PlanFlags {
    /// Which resources.
    #[command(flatten)]
    pub scope: ScopeArgs,
    /// Replace this resource even if unchanged (repeatable).
    #[arg(long = "replace", value_name = "ADDRESS")]
    pub replace: Vec<Address>,
    /// Read live objects first (`--refresh=false` plans from state alone).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub refresh: bool,
    /// Plan to destroy everything.
    #[arg(long, conflicts_with = "refresh_only")]
    pub destroy: bool,
    /// Plan only to update state to match live objects.
    #[arg(long)]
    pub refresh_only: bool,
}

impl PlanFlags {
    /// Plan everything (or `scope`), normally.
    pub fn scoped(scope: ScopeArgs) -> Self {
        Self { scope, replace: Vec::new(), refresh: true, destroy: false, refresh_only: false }
    }

    /// Whether any flag chooses what or how to plan (a saved plan takes none).
    pub fn any_set(&self) -> bool {
        !self.scope.targets.is_empty()
            || !self.scope.excludes.is_empty()
            || !self.replace.is_empty()
            || !self.refresh
            || self.destroy
            || self.refresh_only
    }

    /// The engine's plan options for these flags (owners' states are filled in by `ops`).
    pub fn options(&self, parallelism: usize, placeholder_secrets: bool) -> PlanOptions {
        PlanOptions {
            mode: if self.destroy {
                PlanMode::Destroy
            } else if self.refresh_only {
                PlanMode::RefreshOnly
            } else {
                PlanMode::Normal
            },
            refresh: self.refresh,
            targets: self.scope.targets.clone(),
            excludes: self.scope.excludes.clone(),
            replace: self.replace.clone(),
            parallelism,
            placeholder_secrets,
            ..PlanOptions::default()
        }
    }
}
