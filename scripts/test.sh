#!/usr/bin/env bash
# Runs every test of the workspace, the way CI does. Usage: ./scripts/test.sh [cargo test args]
#
# - installs the AWS emulator, moto server (pinned in scripts/moto-requirements.txt), in a local
#   venv `.venv-moto/` (once; about 35 s and 300 MB) and starts it on a free loopback port through
#   scripts/moto_server.py, which corrects a few of moto's S3 replies; the integration tests of
#   quikinfra-aws find it through QUIKINFRA_MOTO_ENDPOINT and fail without it. An endpoint already
#   set in QUIKINFRA_MOTO_ENDPOINT is used as is. moto is stopped on exit, whatever happens;
# - installs the Azure Storage emulator, Azurite (npm package `azurite`, pinned below), in
#   `.azurite/` (once; about 20 s and 190 MB; needs Node.js and npm) and starts its blob service on
#   a free loopback port, in memory, telemetry off; the tests of the `azblob://` state backend
#   find it through QUIKINFRA_AZURITE_ENDPOINT and a SAS for its well-known development account
#   in QUIKINFRA_AZURITE_SAS (scripts/azurite_sas.js), and fail without them. An endpoint
#   already set in QUIKINFRA_AZURITE_ENDPOINT is used as is. Azurite is stopped on exit too;
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
azurite_dir=.azurite
# The newest Azurite 3 that runs on Node.js 20 (3.36 and later need Node.js 22).
azurite_version=3.35.0

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

start_azurite() {
  local stamp="$azurite_dir/.version"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$azurite_version" ] || [ ! -x "$azurite_dir/node_modules/.bin/azurite-blob" ]; then
    echo "installing Azurite $azurite_version into $azurite_dir (npm)" >&2
    npm install --prefix "$azurite_dir" --no-audit --no-fund --loglevel=error "azurite@$azurite_version" >&2
    echo "$azurite_version" >"$stamp"
  fi
  local run_dir
  run_dir=$(mktemp -d)
  # Port 0: the system picks a free one, and Azurite prints it.
  "$azurite_dir/node_modules/.bin/azurite-blob" --blobHost 127.0.0.1 --blobPort 0 --inMemoryPersistence \
    --extentMemoryLimit 512 --disableTelemetry --skipApiVersionCheck --silent >"$run_dir/log" 2>&1 &
  azurite_pid=$!
  azurite_log="$run_dir/log"
  for _ in $(seq 1 300); do
    local url
    url=$(sed -n 's|.*successfully listens on \(http://127\.0\.0\.1:[0-9]*\).*|\1|p' "$azurite_log" | head -n 1)
    if [ -n "$url" ]; then
      QUIKINFRA_AZURITE_ENDPOINT="$url/devstoreaccount1"
      export QUIKINFRA_AZURITE_ENDPOINT
      echo "Azurite blob service (pid $azurite_pid) at $QUIKINFRA_AZURITE_ENDPOINT, log in $azurite_log" >&2
      return 0
    fi
    if ! kill -0 "$azurite_pid" 2>/dev/null; then break; fi
    sleep 0.1
  done
  echo "Azurite did not start:" >&2
  cat "$azurite_log" >&2
  exit 1
}

stop() {
  local pid
  for pid in "${moto_pid:-}" "${azurite_pid:-}"; do
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
}
trap stop EXIT

if [ -z "${QUIKINFRA_MOTO_ENDPOINT:-}" ]; then
  start_moto
fi
if [ -z "${QUIKINFRA_AZURITE_ENDPOINT:-}" ]; then
  start_azurite
fi
if [ -z "${QUIKINFRA_AZURITE_SAS:-}" ]; then
  QUIKINFRA_AZURITE_SAS=$(node scripts/azurite_sas.js)
  export QUIKINFRA_AZURITE_SAS
fi

cargo test --workspace --locked "$@"

pending=$(find . -path ./target -prune -o -path "./$venv" -prune -o -path "./$azurite_dir" -prune -o \( -name '*.snap.new' -o -name '*.pending-snap' \) -print)
if [ -n "$pending" ]; then
  echo "pending insta snapshots (accept or fix them, then commit the .snap files):" >&2
  echo "$pending" >&2
  exit 1
fi
