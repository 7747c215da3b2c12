#!/usr/bin/env bash
# Install what is missing, migrate, load the demo data on first start, and serve on 127.0.0.1:8000.
# With DATABASE_URL unset the embedded PostgreSQL keeps its data under .data/ between runs.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/bootstrap.sh
.venv/bin/python -m app.ops.cli migrate
.venv/bin/python -m app.ops.cli demo
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
echo "Serving on http://$HOST:$PORT (OpenAPI at http://$HOST:$PORT/docs)"
exec .venv/bin/uvicorn app.main:app --host "$HOST" --port "$PORT" "$@"
