#!/usr/bin/env bash
# Intake load test: tips per second and latency for POST /api/v1/tips, on
# SQLite and on PostgreSQL, with the release binary on this machine.
#   bash benches/intake-load.sh            # both backends
#   BACKENDS=sqlite bash benches/intake-load.sh
# Needs wrk (Debian package) and the local PostgreSQL (STACK.md).
# Max throughput: wrk, 2 threads, 32 connections. Steady state: 20
# connections each waiting 20 ms between requests (~1,000 tips/s), for p99.
# Tips vary (benches/intake-tip.lua); the intake rate limit is off.
# Side by side, in the same run: the bare-insert ceiling (examples/bare_insert.rs,
# the same stack inserting the body as one row) under the same load, and the
# ratio intake / ceiling.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build --release --quiet
cargo build --release --quiet --example bare_insert
BACKENDS=${BACKENDS:-"sqlite postgres"}
DURATION=${DURATION:-15}
PG_ADMIN=${PG_ADMIN:-postgres://postgres@127.0.0.1/postgres}
port=18181

rate() { grep "Requests/sec" | awk '{print $2}'; }

start_server() { # $1 binary and args, url, work dir
  DATABASE_URL="$2" TIPLINE_DATA_DIR="$3" TIPLINE_BIND="127.0.0.1:$port" RUST_LOG=warn \
    TIPLINE_INTAKE_LIMIT=0 $1 &
  pid=$!
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
}

fresh_db() { # $1 backend, $2 work dir -> url
  case $1 in
    sqlite) echo "sqlite://$2/tipline.db" ;;
    postgres)
      psql -q "$PG_ADMIN" -c "DROP DATABASE IF EXISTS tipline_bench WITH (FORCE)" -c "CREATE DATABASE tipline_bench" >/dev/null
      echo "${PG_ADMIN%/*}/tipline_bench" ;;
  esac
}

for backend in $BACKENDS; do
  work=$(mktemp -d)
  url=$(fresh_db "$backend" "$work")
  start_server "target/release/examples/bare_insert" "$url" "$work"
  echo "== $backend: bare-insert ceiling (wrk -t2 -c32 -d${DURATION}s)"
  out=$(wrk -t2 -c32 -d"${DURATION}s" --latency -s benches/intake-tip.lua "http://127.0.0.1:$port")
  echo "$out" | grep -E "Requests/sec|Latency|99%|Non-2xx|Socket errors"
  ceiling=$(echo "$out" | rate)
  kill $pid; wait $pid 2>/dev/null || true
  rm -rf "$work"; work=$(mktemp -d)
  url=$(fresh_db "$backend" "$work")
  start_server "target/release/tipline serve" "$url" "$work"

  echo "== $backend: maximum throughput (wrk -t2 -c32 -d${DURATION}s)"
  out=$(wrk -t2 -c32 -d"${DURATION}s" --latency -s benches/intake-tip.lua "http://127.0.0.1:$port")
  echo "$out" | grep -E "Requests/sec|Latency|99%|Non-2xx|Socket errors"
  intake=$(echo "$out" | rate)
  echo "== $backend: intake / bare-insert ceiling = $intake / $ceiling = $(awk "BEGIN{printf \"%.2f\", $intake/$ceiling}")"
  echo "== $backend: steady ~1,000 tips/s (wrk -t2 -c20, 20 ms between requests per connection)"
  TIPLINE_DELAY_MS=20 wrk -t2 -c20 -d"${DURATION}s" --latency -s benches/intake-tip.lua "http://127.0.0.1:$port" \
    | grep -E "Requests/sec|Latency|50%|99%|Non-2xx|Socket errors"
  kill $pid; wait $pid 2>/dev/null || true
  rm -rf "$work"
  if [ "$backend" = postgres ]; then psql -q "$PG_ADMIN" -c "DROP DATABASE IF EXISTS tipline_bench WITH (FORCE)"; fi
done
