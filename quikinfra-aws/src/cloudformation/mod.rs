//! CloudFormation, the second way to deploy an environment's AWS resources: [`synth`] writes
//! the template, [`engine`] deploys it as a stack through change sets, [`deployer`] serves the
//! CLI's `stack plan|apply|destroy`.
//!
//! The direct provider ([`crate::provider`]) stays the default engine: it reports drift per
//! attribute and works against emulators, whose CloudFormation creates S3 buckets but only
//! pretends to create CloudFront, WAF and Shield resources.

pub mod deployer;
pub mod engine;
pub mod synth;

pub use deployer::CloudFormationStacks;
pub use engine::{ChangeSetPlan, StackChange, StackEngine, StackError};
pub use synth::{SynthError, Template, synth};
