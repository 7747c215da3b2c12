#!/usr/bin/env bash
# Create .venv with Python 3.11 and install the project from uv.lock (only what is missing).
# Usage: bash scripts/bootstrap.sh [extras]   (extras: "dev" for the test tools)
#        bash scripts/bootstrap.sh redis      (installs redis-server with apt when it is missing)
#        bash scripts/bootstrap.sh browser    (installs Debian's chromium and LibreOffice Calc with apt when missing)
# uv, pinned to UV_VERSION, lives in its own venv .venv-tools/ (never in .venv, so no sync removes it).
# The project's packages are exactly the versions in uv.lock; `uv sync --inexact` installs what is
# missing or at another version and removes nothing (the dev tools stay when run.sh installs the base).
# README, Operations, Dependencies: how to update the lock.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
EXTRAS="${1:-}"
UV_VERSION="0.13.9"  # keep equal to [tool.uv] required-version in pyproject.toml

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

# make_venv DIR: a Python 3.11 venv at DIR unless one is there (apt's python3-venv when venv is missing).
make_venv() {
  [ -x "$1/bin/python" ] && return 0
  local python; python="$(find_python)"
  if ! "$python" -m venv "$1" 2>/dev/null; then
    echo "bootstrap: python venv support missing, installing it with apt" >&2
    rm -rf "$1"
    apt_install python3-venv
    "$python" -m venv "$1"
  fi
}

if [ "$EXTRAS" = "redis" ]; then
  if ! command -v redis-server >/dev/null 2>&1 && [ ! -x /usr/bin/redis-server ]; then
    echo "bootstrap: installing redis-server with apt" >&2
    apt_install redis-server
  fi
  # The Debian package starts a system service; the project never relies on it, tests start their own.
  exit 0
fi

if [ "$EXTRAS" = "browser" ]; then
  # The browser tests drive Debian's chromium through Playwright's executable_path (Playwright's own
  # browser downloads are not used); fonts-dejavu-core gives the pages' text a known font.
  if [ ! -x /usr/bin/chromium ]; then
    echo "bootstrap: installing chromium with apt" >&2
    apt_install chromium fonts-dejavu-core
  fi
  # LibreOffice's spreadsheet without its GUI prints a report to PDF in the report's print test
  # (about 12 s and 300 MB with no recommended packages).
  if ! command -v libreoffice >/dev/null 2>&1; then
    echo "bootstrap: installing libreoffice-calc-nogui with apt" >&2
    apt_install --no-install-recommends libreoffice-calc-nogui
  fi
  exit 0
fi

make_venv "$ROOT/.venv-tools"
UV="$ROOT/.venv-tools/bin/uv"
if [ "$({ "$UV" --version 2>/dev/null || true; } | cut -d" " -f2)" != "$UV_VERSION" ]; then
  echo "bootstrap: installing uv $UV_VERSION into .venv-tools" >&2
  "$ROOT/.venv-tools/bin/python" -m pip install -q "uv==$UV_VERSION"
fi

make_venv "$ROOT/.venv"

# uv works on this project and its .venv whatever the caller's environment says.
export UV_PROJECT_ENVIRONMENT="$ROOT/.venv" UV_PYTHON_DOWNLOADS=never
unset VIRTUAL_ENV
SYNC=(sync --project "$ROOT" --frozen --inexact)
[ -n "$EXTRAS" ] && SYNC+=(--extra "$EXTRAS")
if ! "$UV" "${SYNC[@]}" --check >/dev/null 2>&1; then
  echo "bootstrap: installing from uv.lock into .venv${EXTRAS:+ (extra: $EXTRAS)}" >&2
  "$UV" "${SYNC[@]}"
fi
