#!/usr/bin/env bash
# The benchmark runner: bash bench/run.sh [--quick|--full] [options]   (--help lists them)
# Installs what it needs when missing (the project's .venv, wrk with apt-get, matplotlib from the
# `bench` dependency group with uv), then runs `python -m bench` (bench/runner.py).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
[ -x .venv/bin/python ] || bash scripts/bootstrap.sh
export BENCH_ENTRY="bash bench/run.sh"
exec .venv/bin/python -m bench "$@"
