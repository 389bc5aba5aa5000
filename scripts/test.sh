#!/usr/bin/env bash
# Runs every test of the workspace, the way CI does. Usage: ./scripts/test.sh [cargo test args]
#
# - installs the AWS emulator, moto server (pinned in scripts/moto-requirements.txt), in a local
#   venv `.venv-moto/` (once; about 35 s and 300 MB) and starts it on a free loopback port through
#   scripts/moto_server.py, which corrects a few of moto's S3 replies; the integration tests of
#   quikinfra-aws find it through QUIKINFRA_MOTO_ENDPOINT and fail without it. An endpoint already
#   set in QUIKINFRA_MOTO_ENDPOINT is used as is. moto is stopped on exit, whatever happens;
# - builds the library, every example and every test with the locked dependency set;
# - runs the unit, integration, property and snapshot tests;
# - fails on a pending insta snapshot (`.snap.new`): review with `cargo insta review`
#   or rerun a test with INSTA_UPDATE=always, check the diff, commit the accepted `.snap`.
set -euo pipefail
cd "$(dirname "$0")/.."

# Snapshots must match what is committed: never write new ones while testing.
export INSTA_UPDATE=no

venv=.venv-moto
requirements=scripts/moto-requirements.txt

start_moto() {
  local stamp="$venv/.requirements"
  if ! cmp -s "$requirements" "$stamp" 2>/dev/null; then
    echo "installing moto into $venv (scripts/moto-requirements.txt)" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
    cp "$requirements" "$stamp"
  fi
  local run_dir
  run_dir=$(mktemp -d)
  "$venv/bin/python" scripts/moto_server.py --port-file "$run_dir/port" >"$run_dir/log" 2>&1 &
  moto_pid=$!
  moto_log="$run_dir/log"
  trap stop_moto EXIT
  for _ in $(seq 1 300); do
    if [ -s "$run_dir/port" ]; then
      QUIKINFRA_MOTO_ENDPOINT="http://127.0.0.1:$(cat "$run_dir/port")"
      export QUIKINFRA_MOTO_ENDPOINT
      echo "moto server (pid $moto_pid) at $QUIKINFRA_MOTO_ENDPOINT, log in $moto_log" >&2
      return 0
    fi
    if ! kill -0 "$moto_pid" 2>/dev/null; then break; fi
    sleep 0.1
  done
  echo "moto server did not start:" >&2
  cat "$moto_log" >&2
  exit 1
}

stop_moto() {
  if [ -n "${moto_pid:-}" ] && kill -0 "$moto_pid" 2>/dev/null; then
    kill "$moto_pid" 2>/dev/null || true
    wait "$moto_pid" 2>/dev/null || true
  fi
}

if [ -z "${QUIKINFRA_MOTO_ENDPOINT:-}" ]; then
  start_moto
fi

cargo test --workspace --locked "$@"

pending=$(find . -path ./target -prune -o -path "./$venv" -prune -o \( -name '*.snap.new' -o -name '*.pending-snap' \) -print)
if [ -n "$pending" ]; then
  echo "pending insta snapshots (accept or fix them, then commit the .snap files):" >&2
  echo "$pending" >&2
  exit 1
fi
