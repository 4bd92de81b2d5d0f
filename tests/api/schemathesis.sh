#!/usr/bin/env bash
# schemathesis against /api/v1/openapi.json: no 500s, and every status code,
# content type and body as the document says. Builds the binary, serves it on
# a throw-away SQLite database with a fresh relay key, and stops it after.
# Usage: bash tests/api/schemathesis.sh   (from the repository root)
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v schemathesis >/dev/null 2>&1 && ! command -v st >/dev/null 2>&1; then
  python3 -m pip install --quiet --break-system-packages 'schemathesis>=4,<5' 2>/dev/null \
    || python3 -m pip install --quiet 'schemathesis>=4,<5'
fi
ST=$(command -v schemathesis || command -v st)

cargo build --quiet --bin tipline
BIN=target/debug/tipline
WORK=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export DATABASE_URL="sqlite://$WORK/tipline.db" TIPLINE_DATA_DIR="$WORK" \
  TIPLINE_BIND="127.0.0.1:$PORT" TIPLINE_LOOKUP_LIMIT=0 TIPLINE_INTAKE_LIMIT=0 TIPLINE_OUTBOX=off RUST_LOG=warn

KEY=$("$BIN" relay add --name schemathesis --source hotline --rate-limit 0 | tail -n1)
"$BIN" serve >"$WORK/serve.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true; wait $PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
python3 - "$PORT" <<'PY'
import sys, time, urllib.request
for _ in range(150):
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/healthz", timeout=1)
        break
    except Exception:
        time.sleep(0.2)
PY

status=0
"$ST" run "http://127.0.0.1:$PORT/api/v1/openapi.json" \
  --url "http://127.0.0.1:$PORT" \
  --header "Authorization: Bearer $KEY" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --max-examples "${SCHEMATHESIS_EXAMPLES:-60}" \
  --phases examples,coverage,fuzzing \
  --workers 2 || status=$?
if grep -q "panicked" "$WORK/serve.log"; then
  echo "the server panicked:"; cat "$WORK/serve.log"; exit 1
fi
exit $status
