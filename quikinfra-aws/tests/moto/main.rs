//! Integration tests against moto server, the AWS emulator `scripts/test.sh` installs and
//! starts: the real engine (plan, apply, state) driving the AWS provider and the S3 backend.
//!
//! They need `QUIKINFRA_MOTO_ENDPOINT` and fail without it: run them through
//! `./scripts/test.sh`, or start `scripts/moto_server.py` yourself and export its URL.
//! Each test works in an AWS account of its own (moto's `x-moto-account-id` header), so tests
//! run in parallel against one server without seeing each other's objects.

mod support;

mod already_there;
mod backend;
mod cli;
mod cloudformation;
mod dns;
mod edge;
mod kms_key;
mod policies;
mod s3_bucket;
