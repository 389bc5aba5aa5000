//! Fault injection for the simulator: latency, transient throttling and permanent failures.
//!
//! Real clouds are slow, throttle and fail; the simulator can do all three on demand so the
//! engine's retries, parallelism and partial-failure handling are exercised without a cloud.
//! Transient failures come from a seeded RNG, so a run with the same seed and the same call
//! order fails the same calls.

use std::collections::BTreeSet;
use std::time::Duration;

use crate::addr::Address;

/// Milliseconds every simulated call sleeps before doing anything.
pub const LATENCY_ENV: &str = "QUIKINFRA_SIM_LATENCY_MS";
/// Probability (0.0 to 1.0) that a call fails with a transient error.
pub const TRANSIENT_RATE_ENV: &str = "QUIKINFRA_SIM_TRANSIENT_RATE";
/// Comma-separated addresses whose create, update and delete fail permanently.
pub const FAIL_ENV: &str = "QUIKINFRA_SIM_FAIL";
/// Seed of the RNG that picks transient failures.
pub const SEED_ENV: &str = "QUIKINFRA_SIM_SEED";

/// The faults a [`Simulator`](super::Simulator) injects.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Faults {
    /// Every call sleeps this long first (zero: no sleep), to within a fraction of a
    /// millisecond (see `sim::delay`).
    pub latency: Duration,
    /// Probability, 0.0 to 1.0, that a call fails with a transient error before doing anything.
    pub transient_rate: f64,
    /// Resources whose create, update and delete fail permanently. Reads never do.
    pub fail: BTreeSet<Address>,
    /// Seed of the RNG that picks transient failures, for reproducible runs.
    pub seed: u64,
}

impl Faults {
    /// No faults: every call succeeds at once.
    pub fn none() -> Self {
        Self::default()
    }

    /// Whether no fault is injected at all.
    pub fn is_none(&self) -> bool {
        self.latency.is_zero() && self.transient_rate <= 0.0 && self.fail.is_empty()
    }

    /// Faults from the `QUIKINFRA_SIM_*` environment variables ([`LATENCY_ENV`],
    /// [`TRANSIENT_RATE_ENV`], [`FAIL_ENV`], [`SEED_ENV`]); unset or empty variables mean no
    /// fault. A malformed value is an error naming the variable.
    pub fn from_env() -> Result<Self, String> {
        Self::from_lookup(|name| std::env::var_os(name).map(|v| v.to_string_lossy().into_owned()))
    }

    /// Faults from variables answered by `lookup` (name → value), as [`Faults::from_env`] reads them.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let get = |name: &str| lookup(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let mut faults = Faults::none();
        if let Some(text) = get(LATENCY_ENV) {
            let ms: u64 =
                text.parse().map_err(|_| format!("{LATENCY_ENV}: `{text}` is not a whole number of milliseconds"))?;
            faults.latency = Duration::from_millis(ms);
        }
        if let Some(text) = get(TRANSIENT_RATE_ENV) {
            let rate =
                text.parse::<f64>().ok().filter(|r| (0.0..=1.0).contains(r)).ok_or_else(|| {
                    format!("{TRANSIENT_RATE_ENV}: `{text}` is not a probability between 0.0 and 1.0")
                })?;
            faults.transient_rate = rate;
        }
        if let Some(text) = get(FAIL_ENV) {
            for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                let address = part.parse::<Address>().map_err(|e| format!("{FAIL_ENV}: {e}"))?;
                faults.fail.insert(address);
            }
        }
        if let Some(text) = get(SEED_ENV) {
            faults.seed = text.parse().map_err(|_| format!("{SEED_ENV}: `{text}` is not a whole number"))?;
        }
        Ok(faults)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn parse(vars: &[(&str, &str)]) -> Result<Faults, String> {
        let vars: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Faults::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn unset_variables_mean_no_faults() {
        let faults = parse(&[]).expect("no variables parse");
        assert_eq!(faults, Faults::none());
        assert!(faults.is_none());
        assert_eq!(parse(&[(LATENCY_ENV, " "), (FAIL_ENV, "")]).expect("blank parses"), Faults::none());
    }

    #[test]
    fn every_variable_is_read() {
        let faults = parse(&[
            (LATENCY_ENV, "25"),
            (TRANSIENT_RATE_ENV, "0.3"),
            (FAIL_ENV, "aws_s3_bucket.media, aws_kms_key.media,"),
            (SEED_ENV, "42"),
        ])
        .expect("valid variables parse");
        assert_eq!(faults.latency, Duration::from_millis(25));
        assert_eq!(faults.transient_rate, 0.3);
        let fail: Vec<String> = faults.fail.iter().map(ToString::to_string).collect();
        assert_eq!(fail, ["aws_kms_key.media", "aws_s3_bucket.media"]);
        assert_eq!(faults.seed, 42);
        assert!(!faults.is_none());
    }

    #[test]
    fn malformed_values_name_the_variable() {
        for (name, value) in [
            (LATENCY_ENV, "fast"),
            (LATENCY_ENV, "-1"),
            (TRANSIENT_RATE_ENV, "1.5"),
            (TRANSIENT_RATE_ENV, "NaN"),
            (TRANSIENT_RATE_ENV, "often"),
            (FAIL_ENV, "not-an-address"),
            (FAIL_ENV, "aws.Media"),
            (SEED_ENV, "0x10"),
        ] {
            let err = parse(&[(name, value)]).expect_err(&format!("{name}={value} must be refused"));
            assert!(err.starts_with(name), "`{err}` does not name {name}");
        }
    }
}
