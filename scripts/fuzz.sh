#!/usr/bin/env bash
# Fuzzes the state and saved-plan parsers and the command line for a bounded time each.
# Usage: ./scripts/fuzz.sh [SECONDS_PER_TARGET]   (default 60)
# Needs the nightly toolchain and cargo-fuzz (`cargo +nightly install cargo-fuzz --locked`).
# Seeds come from the state round-trip fixtures; crashes land in fuzz/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
mkdir -p fuzz/corpus/state_parser fuzz/corpus/plan_parser fuzz/corpus/cli
cp quikinfra-core/tests/fixtures/state/*.json fuzz/corpus/state_parser/
printf "plan\0--json" > fuzz/corpus/cli/plan-json
printf "--lock-ttl\0099999999999999\0plan" > fuzz/corpus/cli/huge-ttl
printf "QUIKINFRA_CLOUD=real\0apply\0--auto-approve" > fuzz/corpus/cli/real
for target in state_parser plan_parser cli; do
  echo "fuzzing $target for ${seconds}s"
  cargo +nightly fuzz run --fuzz-dir fuzz "$target" "fuzz/corpus/$target" -- -max_total_time="$seconds"
done
