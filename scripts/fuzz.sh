#!/usr/bin/env bash
# Fuzzes the state and saved-plan parsers for a bounded time each.
# Usage: ./scripts/fuzz.sh [SECONDS_PER_TARGET]   (default 60)
# Needs the nightly toolchain and cargo-fuzz (`cargo +nightly install cargo-fuzz --locked`).
# Seeds come from the state round-trip fixtures; crashes land in fuzz/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
mkdir -p fuzz/corpus/state_parser fuzz/corpus/plan_parser
cp quikinfra-core/tests/fixtures/state/*.json fuzz/corpus/state_parser/
for target in state_parser plan_parser; do
  echo "fuzzing $target for ${seconds}s"
  cargo +nightly fuzz run --fuzz-dir fuzz "$target" "fuzz/corpus/$target" -- -max_total_time="$seconds"
done
