#!/usr/bin/env bash
# Install what is missing, then lint, type-check and run the whole test suite twice: once with a
# real redis-server, once with Redis unreachable (the cache's degraded mode).
# The tests start (and remove) their own throwaway PostgreSQL unless TEST_DATABASE_URL is set,
# and their own redis-server on a free port (installed here with apt when missing).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/bootstrap.sh dev
bash scripts/bootstrap.sh redis
echo "== ruff check"
.venv/bin/ruff check .
echo "== mypy --strict app"
.venv/bin/mypy --strict app
echo "== lint-imports (the layout's rules: pyproject.toml [tool.importlinter])"
.venv/bin/lint-imports
echo "== pytest (real redis-server)"
.venv/bin/pytest -q "$@"
echo "== pytest (Redis unreachable: the API must answer the same from the in-process fallback)"
TEST_REDIS=down .venv/bin/pytest -q -m "not needs_redis and not seeded_db" "$@"
