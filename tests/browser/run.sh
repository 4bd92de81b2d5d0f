#!/usr/bin/env bash
# Start tipline on a fresh SQLite file and run check.mjs (the reporter) and
# staff.mjs (the staff workflow) against it.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
cargo build --quiet
(cd tests/browser && npm ci --no-audit --no-fund --silent)
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export STAFF_PASSWORD="a long browser test password"
for u in "dispatch1 --role dispatcher" "industry1 --role bureau --bureau industry_it"; do
  # shellcheck disable=SC2086
  DATABASE_URL="sqlite://$work/tipline.db" TIPLINE_DATA_DIR="$work" TIPLINE_PASSWORD="$STAFF_PASSWORD" \
    "$root/target/debug/tipline" user add --username $u >/dev/null
done
DATABASE_URL="sqlite://$work/tipline.db" TIPLINE_DATA_DIR="$work" TIPLINE_BIND="127.0.0.1:$port" \
  RUST_LOG=warn "$root/target/debug/tipline" serve &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
TIPLINE_URL="http://127.0.0.1:$port" SHOTS="$root/target/screenshots" node tests/browser/check.mjs
TIPLINE_URL="http://127.0.0.1:$port" SHOTS="$root/target/screenshots" node tests/browser/staff.mjs
