#!/usr/bin/env bash
# The public lists over HTTP at 10,000 listed enterprises (issue 7,
# acceptance 4), on SQLite and on PostgreSQL, with the release binary:
# fills a fresh database with the data of benches/lists.rs
# (TIPLINE_BENCH_FILL), serves it, and runs wrk (8 connections) against
# whole lists, a filtered list and one page.
#   bash benches/lists-load.sh             # both backends
#   BACKENDS=sqlite bash benches/lists-load.sh
# Needs wrk (Debian package) and the local PostgreSQL (STACK.md).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build --release --quiet
cargo bench --bench lists --no-run --quiet 2>/dev/null
bench=$(ls -t target/release/deps/lists-* | grep -v '\.d$' | head -n1)
BACKENDS=${BACKENDS:-"sqlite postgres"}
DURATION=${DURATION:-10}
PG_ADMIN=${PG_ADMIN:-postgres://postgres@127.0.0.1/postgres}
port=18182

for backend in $BACKENDS; do
  work=$(mktemp -d)
  case $backend in
    sqlite) url="sqlite://$work/tipline.db" ;;
    postgres)
      psql -q "$PG_ADMIN" -c "DROP DATABASE IF EXISTS tipline_bench_lists WITH (FORCE)" -c "CREATE DATABASE tipline_bench_lists"
      url="${PG_ADMIN%/*}/tipline_bench_lists" ;;
  esac
  TIPLINE_BENCH_FILL="$url" "$bench" >/dev/null
  DATABASE_URL="$url" TIPLINE_DATA_DIR="$work" TIPLINE_BIND="127.0.0.1:$port" RUST_LOG=warn \
    TIPLINE_DEMO=0 TIPLINE_JOBS=off TIPLINE_OUTBOX=off \
    target/release/tipline serve &
  pid=$!
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
  base="http://127.0.0.1:$port/api/v1/public/lists"
  for q in "yellow" "yellow?format=csv" "red" "exit" "yellow?district=baoan" "yellow?page=1&per_page=100"; do
    curl -fs -o /dev/null "$base/$q"   # the first request derives the list
    echo "== $backend: GET /api/v1/public/lists/$q (wrk -t2 -c8 -d${DURATION}s)"
    wrk -t2 -c8 -d"${DURATION}s" --latency "$base/$q" \
      | grep -E "Requests/sec|Transfer/sec| 50%| 90%| 99%|Non-2xx|Socket errors"
  done
  kill $pid; wait $pid 2>/dev/null || true
  rm -rf "$work"
  if [ "$backend" = postgres ]; then psql -q "$PG_ADMIN" -c "DROP DATABASE IF EXISTS tipline_bench_lists WITH (FORCE)"; fi
done
