"""Benchmarks: the runner (`python -m bench`, `bench/runner.py`) and the older single-purpose scripts."""
