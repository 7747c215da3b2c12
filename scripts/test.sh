#!/usr/bin/env bash
# Install what is missing, then lint, type-check and run the whole test suite.
# The tests start (and remove) their own throwaway PostgreSQL unless TEST_DATABASE_URL is set.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/bootstrap.sh dev
echo "== ruff check"
.venv/bin/ruff check .
echo "== mypy --strict app"
.venv/bin/mypy --strict app
echo "== pytest"
.venv/bin/pytest -q "$@"
