#!/usr/bin/env bash
# Start tipline on a fresh SQLite file and run check.mjs against it.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
cargo build --quiet
(cd tests/browser && npm ci --no-audit --no-fund --silent)
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export DATABASE_URL="sqlite://$work/tipline.db" TIPLINE_DATA_DIR="$work"
# A dispatcher for the staff thumbnail check.
"$root/target/debug/tipline" migrate >/dev/null
TIPLINE_PASSWORD="browser check password 1" "$root/target/debug/tipline" user add --username dispatcher1 --role dispatcher >/dev/null
# Two form posts without a proof-of-work are allowed per minute: the JS-off
# flows use both, so the JS-on post only passes with a solved proof.
TIPLINE_BIND="127.0.0.1:$port" TIPLINE_INTAKE_LIMIT_NOJS=2 \
  RUST_LOG=warn "$root/target/debug/tipline" serve &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
TIPLINE_URL="http://127.0.0.1:$port" PHOTO="$root/tests/fixtures/photo-gps.jpg" STAFF_PASSWORD="browser check password 1" SHOTS="$root/target/screenshots" node tests/browser/check.mjs
