"""`.venv/bin/python -m bench [--quick|--full] ...`: the benchmark runner (bench/runner.py)."""

from bench.runner import main

raise SystemExit(main())
