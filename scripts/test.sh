#!/usr/bin/env bash
# Install what is missing (from uv.lock), check that uv.lock agrees with pyproject.toml, then lint,
# type-check and run the whole test suite twice: once with a real redis-server, once with Redis
# unreachable (the cache's degraded mode). The browser tests (pytest -m browser: Debian's chromium
# and LibreOffice, installed here with apt when missing) and the `once` tests run once, with Redis,
# beside the first pass;
# the fault suite (pytest -m fault) and the seeded-database check once, with Redis, beside the second.
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
# Each pytest process below has its own PostgreSQL, redis-server and SMTP sink (tests/conftest.py).
# 5 as a status: no test collected (a run limited to paths that hold none of that process's marks).
check_status() {
  if [ "$1" -ne 0 ] && [ "$1" -ne 5 ]; then
    exit "$1"
  fi
}
browser_log="$(mktemp)"
down_log="$(mktemp)"
trap 'rm -f "$browser_log" "$down_log"' EXIT
# The browser tests (chromium and LibreOffice: mostly waiting on those processes) and the tests
# marked `once` (the loader, the embedded cluster, the migrations: no cache behaviour) run beside
# the first pass; their output follows it.
.venv/bin/pytest -q -p no:cacheprovider -m "browser or once" "$@" >"$browser_log" 2>&1 &
browser_pid=$!
echo "== pytest (real redis-server; the browser and 'once' tests run meanwhile)"
first_status=0
.venv/bin/pytest -q -m "not fault and not seeded_db and not browser and not once" "$@" || first_status=$?
browser_status=0
wait "$browser_pid" || browser_status=$?
echo "== pytest -m 'browser or once' (Debian's chromium through Playwright, LibreOffice; loader, cluster, migrations)"
cat "$browser_log"
check_status "$first_status"
check_status "$browser_status"
# The fault suite (faults and attacks against real processes: restarts, kills, stalled bodies, the
# fuzzer) mostly waits on them, so it runs beside the Redis-unreachable pass, and with it the
# seeded-database check (both need Redis and run once); the Redis-unreachable pass's output follows.
down_marks="not needs_redis and not seeded_db and not fault and not once and not browser"
TEST_REDIS=down .venv/bin/pytest -q -p no:cacheprovider -m "$down_marks" "$@" >"$down_log" 2>&1 &
down_pid=$!
echo "== pytest -m 'fault or seeded_db' (real redis-server; the Redis-unreachable pass runs meanwhile)"
fault_status=0
.venv/bin/pytest -q -p no:cacheprovider -m "fault or seeded_db" "$@" || fault_status=$?
down_status=0
wait "$down_pid" || down_status=$?
echo "== pytest (Redis unreachable: the API must answer the same from the in-process fallback)"
cat "$down_log"
check_status "$fault_status"
check_status "$down_status"
