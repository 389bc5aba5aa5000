//! Integration tests against Azurite, the Azure Storage emulator `scripts/test.sh` installs and
//! starts: the `azblob://` state backend's conditional writes and lease-based lock, and the
//! command line keeping state there.
//!
//! They need `QUIKINFRA_AZURITE_ENDPOINT` (Azurite's `http://127.0.0.1:PORT/devstoreaccount1`)
//! and `QUIKINFRA_AZURITE_SAS` (a SAS for its well-known development account, from
//! `node scripts/azurite_sas.js`) and fail without them: run them through `./scripts/test.sh`.
//! Each test works in a container of its own, so they run in parallel against one emulator.

mod support;

mod backend;
mod cli;
