#!/usr/bin/env bash
# A person's checks in headless Chromium, each against its own fresh server on
# a fresh SQLite file:
#   check.mjs — the reporter: form with JS off and on, attachments, receipt,
#               progress, and a dispatcher seeing the thumbnails;
#   staff.mjs — the staff workflow: keyboard dispatch through to closure, and
#               the reporter reading the result; an administrator adding an
#               account and a relay and importing a registry CSV.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
cargo build --quiet
(cd tests/browser && npm ci --no-audit --no-fund --silent)
bin="$root/target/debug/tipline"
export STAFF_PASSWORD="a long browser test password"
pids=()
works=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "${works[@]}"' EXIT

# start_server VAR [ENV=VALUE…]: a server with dispatch1 (dispatcher),
# industry1 (bureau industry_it) and admin1 (administrator); its URL goes
# into VAR.
start_server() {
  local var=$1; shift
  local work port
  work=$(mktemp -d)
  works+=("$work")
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  for u in "dispatch1 --role dispatcher" "industry1 --role bureau --bureau industry_it" "admin1 --role admin"; do
    # shellcheck disable=SC2086
    DATABASE_URL="sqlite://$work/tipline.db" TIPLINE_DATA_DIR="$work" TIPLINE_PASSWORD="$STAFF_PASSWORD" \
      "$bin" user add --username $u >/dev/null
  done
  env DATABASE_URL="sqlite://$work/tipline.db" TIPLINE_DATA_DIR="$work" TIPLINE_BIND="127.0.0.1:$port" \
    RUST_LOG=warn "$@" "$bin" serve &
  pids+=($!)
  for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    sleep 0.1
  done
  printf -v "$var" 'http://127.0.0.1:%s' "$port"
}

# Two form posts without a proof-of-work per minute: the JS-off flows use
# both, so the JS-on post only passes with a solved proof.
start_server reporter_url TIPLINE_INTAKE_LIMIT_NOJS=2
TIPLINE_URL="$reporter_url" PHOTO="$root/tests/fixtures/photo-gps.jpg" SHOTS="$root/target/screenshots" \
  node tests/browser/check.mjs

start_server staff_url
TIPLINE_URL="$staff_url" SHOTS="$root/target/screenshots" node tests/browser/staff.mjs
