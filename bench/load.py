"""One measured block: wrk (pinned to the other core) against one server for a few seconds, with
the server's CPU time and the PostgreSQL backends' CPU time read before and after."""

from __future__ import annotations

import json
import os
import secrets
import statistics
import subprocess
from pathlib import Path
from typing import Any

import psutil

from bench.procs import LOAD_CORE, ROOT, Server, drain_database, pinning, settle

LUA = ROOT / "bench" / "requests.lua"


def postgres_cpu(pgdata: Path) -> dict[int, float]:
    """CPU seconds of every process of the PostgreSQL server on `pgdata` (backends included)."""
    try:
        postmaster = psutil.Process(int((pgdata / "postmaster.pid").read_text().split()[0]))
        processes = [postmaster, *postmaster.children()]
    except (OSError, ValueError, psutil.Error):
        return {}
    result = {}
    for p in processes:
        try:
            t = p.cpu_times()
            result[p.pid] = float(t.user + t.system)
        except psutil.Error:
            pass
    return result


def block(
    server: Server,
    lines: Path,
    start: int,
    tokens: dict[str, str],
    template: str,
    seconds: int,
    connections: int,
    pgdata: Path,
    workdir: Path,
) -> dict[str, Any]:
    """Run wrk for `seconds`; returns its figures and the server's CPU and memory."""
    settle([server], lambda: sum(postgres_cpu(pgdata).values()))
    drain_database(pgdata)
    out = workdir / f"wrk-{secrets.token_hex(4)}.json"
    argv = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "-s", str(LUA), server.url,
            "--", str(lines), str(start), tokens.get("A", "-"), tokens.get("E", "-"),
            f"bench{secrets.token_hex(6)}", str(secrets.randbelow(10**8)), template]  # fmt: skip
    if pinning():
        argv = ["taskset", "-c", LOAD_CORE, *argv]
    pg_before = postgres_cpu(pgdata)
    cpu_before = server.cpu_seconds()
    result = subprocess.run(
        argv,
        env={**os.environ, "BENCH_WRK_OUT": str(out)},
        capture_output=True,
        text=True,
        timeout=seconds + 120,
    )
    cpu = server.cpu_seconds() - cpu_before
    pg_after = postgres_cpu(pgdata)
    if result.returncode != 0 or not out.exists():
        raise RuntimeError(
            f"wrk failed ({result.returncode}): {result.stderr[-2000:]} {result.stdout[-2000:]}"
        )
    w = json.loads(out.read_text())
    out.unlink()
    n = max(1, w["requests"])
    done = w["requests"] > 0  # a block too short for one answer has no latency
    pg = sum(v - pg_before.get(pid, 0.0) for pid, v in pg_after.items())
    errors = {k: w[k] for k in ("connect", "read", "write", "status", "timeout") if w[k]}
    return {
        "requests": w["requests"],
        "rps": round(w["requests"] / (w["duration_us"] / 1e6), 2),
        "seconds": w["duration_us"] / 1e6,
        "p50_ms": w["p50_us"] / 1000 if done else None,
        "p95_ms": w["p95_us"] / 1000 if done else None,
        "p99_ms": w["p99_us"] / 1000 if done else None,
        "max_ms": w["max_us"] / 1000 if done else None,
        "cpu_ms": round(cpu * 1000 / n, 3),
        "db_cpu_ms": round(pg * 1000 / n, 3),
        "rss_mib": round(server.rss_mib(), 1),
        "errors": errors,
    }


def median_of(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    """Median of each figure over the passes (req/s: over all the blocks together when a block got
    fewer than 5 answers); errors and requests are summed."""
    if not blocks:
        return {}
    keys = ("rps", "p50_ms", "p95_ms", "p99_ms", "cpu_ms", "db_cpu_ms", "rss_mib")
    summary: dict[str, Any] = {}
    for k in keys:
        values = [b[k] for b in blocks if b[k] is not None]
        summary[k] = round(statistics.median(values), 3) if values else None
    if min(b["requests"] for b in blocks) < 5:  # too few answers per block for a median of rates
        summary["rps"] = round(sum(b["requests"] for b in blocks) / sum(b["seconds"] for b in blocks), 3)
    summary["rss_peak_mib"] = max(b["rss_mib"] for b in blocks)
    summary["requests"] = sum(b["requests"] for b in blocks)
    errors: dict[str, int] = {}
    for b in blocks:
        for k, v in b["errors"].items():
            errors[k] = errors.get(k, 0) + v
    summary["errors"] = errors
    summary["blocks"] = len(blocks)
    return summary
