#!/usr/bin/env bash
# Create .venv with Python 3.11 and install the project when pyproject.toml changed.
# Usage: bash scripts/bootstrap.sh [extras]   (extras: "dev" for the test tools)
#        bash scripts/bootstrap.sh redis      (installs redis-server with apt when it is missing)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
EXTRAS="${1:-}"

find_python() {
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)'; then
      command -v "$candidate"; return 0
    fi
  done
  echo "Python 3.11 is required (python3.11 or python3 on PATH)" >&2
  return 1
}

apt_install() {
  local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@"
}

if [ "$EXTRAS" = "redis" ]; then
  if ! command -v redis-server >/dev/null 2>&1 && [ ! -x /usr/bin/redis-server ]; then
    echo "bootstrap: installing redis-server with apt" >&2
    apt_install redis-server
  fi
  # The Debian package starts a system service; the project never relies on it, tests start their own.
  exit 0
fi

if [ ! -x "$ROOT/.venv/bin/python" ]; then
  PYTHON="$(find_python)"
  if ! "$PYTHON" -m venv "$ROOT/.venv" 2>/dev/null; then
    echo "bootstrap: python venv support missing, installing it with apt" >&2
    rm -rf "$ROOT/.venv"
    apt_install python3-venv
    "$PYTHON" -m venv "$ROOT/.venv"
  fi
fi

SPEC="."; [ -n "$EXTRAS" ] && SPEC=".[$EXTRAS]"
STAMP="$ROOT/.venv/.installed-$(sha256sum "$ROOT/pyproject.toml" | cut -c1-16)-${EXTRAS:-base}"
if [ ! -f "$STAMP" ]; then
  echo "bootstrap: installing dependencies into .venv" >&2
  "$ROOT/.venv/bin/python" -m pip install -q --upgrade pip
  "$ROOT/.venv/bin/python" -m pip install -q -e "$ROOT/$SPEC"
  touch "$STAMP"
fi
