#!/usr/bin/env bash
# Intake load test: tips per second and latency for POST /api/v1/tips, on
# SQLite and on PostgreSQL, with the release binary on this machine.
#   bash benches/intake-load.sh            # both backends
#   BACKENDS=sqlite bash benches/intake-load.sh
# Needs wrk and hey (Debian packages) and the local PostgreSQL (STACK.md).
# Max throughput: wrk, 2 threads, 32 connections, 15 s.
# Steady state: hey at 1,000 tips/s (10 workers × 100/s) for 15 s, for p99.
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in wrk hey; do
  command -v $tool >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk hey >/dev/null; }
done
cargo build --release --quiet
BACKENDS=${BACKENDS:-"sqlite postgres"}
DURATION=${DURATION:-15}
PG_ADMIN=${PG_ADMIN:-postgres://postgres@127.0.0.1/postgres}
body=$(sed -n "s/^wrk.body = '\(.*\)'$/\1/p" benches/intake-tip.lua)
port=18181

for backend in $BACKENDS; do
  work=$(mktemp -d)
  case $backend in
    sqlite) url="sqlite://$work/tipline.db" ;;
    postgres)
      psql -q "$PG_ADMIN" -c "DROP DATABASE IF EXISTS tipline_bench WITH (FORCE)" -c "CREATE DATABASE tipline_bench"
      url="${PG_ADMIN%/*}/tipline_bench" ;;
  esac
  DATABASE_URL="$url" TIPLINE_DATA_DIR="$work" TIPLINE_BIND="127.0.0.1:$port" RUST_LOG=warn \
    target/release/tipline serve &
  pid=$!
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.1; done

  echo "== $backend: maximum throughput (wrk -t2 -c32 -d${DURATION}s)"
  wrk -t2 -c32 -d"${DURATION}s" --latency -s benches/intake-tip.lua "http://127.0.0.1:$port/api/v1/tips" \
    | grep -E "Requests/sec|Latency|99%|Non-2xx|Socket errors"
  echo "== $backend: steady 1,000 tips/s (hey -c10 -q100 -z${DURATION}s)"
  hey -z "${DURATION}s" -c 10 -q 100 -m POST -T application/json -d "$body" \
    "http://127.0.0.1:$port/api/v1/tips" | grep -E "Requests/sec|99% in|95% in|50% in|\[201\]|\[[45][0-9][0-9]\]"
  kill $pid; wait $pid 2>/dev/null || true
  rm -rf "$work"
  if [ "$backend" = postgres ]; then psql -q "$PG_ADMIN" -c "DROP DATABASE IF EXISTS tipline_bench WITH (FORCE)"; fi
done
