#!/usr/bin/env bash
# Install what is missing (from uv.lock), check that uv.lock agrees with pyproject.toml, then lint,
# type-check and run the whole test suite twice: once with a real redis-server, once with Redis
# unreachable (the cache's degraded mode); the fault suite (pytest -m fault), the seeded-database
# check and the browser tests (pytest -m browser: Debian's chromium, installed here with apt when
# missing, driven by Playwright) run once, with Redis, beside the second pass.
# The tests start (and remove) their own throwaway PostgreSQL unless TEST_DATABASE_URL is set,
# and their own redis-server on a free port (installed here with apt when missing).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/bootstrap.sh dev
bash scripts/bootstrap.sh redis
bash scripts/bootstrap.sh browser
echo "== uv lock --check (uv.lock agrees with pyproject.toml)"
if ! .venv-tools/bin/uv lock --check; then
  echo "uv.lock is out of date with pyproject.toml: run '.venv-tools/bin/uv lock' and commit uv.lock" \
       "(README, Operations, Dependencies)" >&2
  exit 1
fi
echo "== ruff check"
.venv/bin/ruff check .
echo "== mypy --strict app"
.venv/bin/mypy --strict app
echo "== lint-imports (the layout's rules: pyproject.toml [tool.importlinter])"
.venv/bin/lint-imports
echo "== pytest (real redis-server)"
.venv/bin/pytest -q -m "not fault and not seeded_db and not browser" "$@"
# The fault suite (faults and attacks against real processes: restarts, kills, stalled bodies, the
# fuzzer) mostly waits on them, so it runs beside the Redis-unreachable pass, each with its own
# PostgreSQL, redis-server and SMTP sink (tests/conftest.py), and with it the seeded-database check
# (both need Redis and run once); the Redis-unreachable pass's output follows.
down_log="$(mktemp)"
trap 'rm -f "$down_log"' EXIT
down_marks="not needs_redis and not seeded_db and not fault and not once and not browser"
TEST_REDIS=down .venv/bin/pytest -q -p no:cacheprovider -m "$down_marks" "$@" >"$down_log" 2>&1 &
down_pid=$!
echo "== pytest -m 'fault or seeded_db or browser' (real redis-server; the Redis-unreachable pass runs meanwhile)"
fault_status=0
.venv/bin/pytest -q -p no:cacheprovider -m "fault or seeded_db or browser" "$@" || fault_status=$?
down_status=0
wait "$down_pid" || down_status=$?
echo "== pytest (Redis unreachable: the API must answer the same from the in-process fallback)"
cat "$down_log"
# 5: no test collected (a run limited to paths that hold no fault test, or only fault tests).
for status in "$fault_status" "$down_status"; do
  if [ "$status" -ne 0 ] && [ "$status" -ne 5 ]; then
    exit "$status"
  fi
done
