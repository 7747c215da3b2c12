#!/usr/bin/env python3
"""Check every optimization live against the configured services (settings from the environment
and `.env`, as the service reads them): one line per check, exit code 1 when any fails.

    .venv/bin/python verify_optimizations.py [--json] [--api http://127.0.0.1:8000] [--flower]

The checks live in `app/ops/verificacion/`; README, "Operations and troubleshooting", lists them.
"""

from app.ops.verificacion.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
