#!/usr/bin/env bash
# Runs every test of the workspace, the way CI does. Usage: ./scripts/test.sh
#
# - builds the library, every example and every test with the locked dependency set;
# - runs the unit, integration, property and snapshot tests;
# - fails on a pending insta snapshot (`.snap.new`): review with `cargo insta review`
#   or rerun a test with INSTA_UPDATE=always, check the diff, commit the accepted `.snap`.
set -euo pipefail
cd "$(dirname "$0")/.."

# Snapshots must match what is committed: never write new ones while testing.
export INSTA_UPDATE=no

cargo test --workspace --locked

pending=$(find . -path ./target -prune -o \( -name '*.snap.new' -o -name '*.pending-snap' \) -print)
if [ -n "$pending" ]; then
  echo "pending insta snapshots (accept or fix them, then commit the .snap files):" >&2
  echo "$pending" >&2
  exit 1
fi
