"""The benchmark runner: the optimized service, its baseline and a hand-written floor, side by side
in one interleaved run (docs/design.md §6). Entry point: `bash bench/run.sh [--quick|--full]`
(or `.venv/bin/python -m bench ...`); `--help` lists the options."""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import psutil

from bench import data as bench_data
from bench import report, verify
from bench.load import block, median_of
from bench.procs import PYTHON, ROOT, Processes, Server, ensure_tools, pinning, stopped_on_signals
from bench.scenarios import BASELINE, FLOOR, OPTIMIZED, Samples, Scenario, build, mixed, registration_template
from bench.scenarios import write_lines as write_scenario

RESULTS = ROOT / "bench" / "results"


@dataclass(frozen=True)
class Mode:
    name: str
    documentos: int
    passes: int
    block_s: int  # wrk takes whole seconds
    warmup_s: int
    mixed_s: int
    region: int  # distinct searches per pass (see Scenario.unique)


MODES = {
    "quick": Mode("quick", 100_000, 3, 2, 1, 10, 1500),
    "full": Mode("full", 1_000_000, 4, 5, 1, 60, 6000),
}


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="bash bench/run.sh", description=__doc__)
    g = p.add_mutually_exclusive_group()
    g.add_argument(
        "--quick", dest="mode", action="store_const", const="quick", help="100,000 documents (default)"
    )
    g.add_argument("--full", dest="mode", action="store_const", const="full", help="1,000,000 documents")
    p.add_argument("--documentos", type=int, help="documents (default: the mode's)")
    p.add_argument(
        "--data-root", type=Path, default=ROOT / ".data", help="data dirs go to DATA_ROOT/bench-<N>"
    )
    p.add_argument("--passes", type=int, help="interleaved passes (default: quick 3, full 4)")
    p.add_argument("--block-seconds", type=int, help="seconds per block (default: quick 2, full 5)")
    p.add_argument("--connections", type=int, default=8, help="wrk connections per block (statistics: 2)")
    p.add_argument("--mixed-seconds", type=int, help="mixed workload per contestant (quick 10, full 60)")
    p.add_argument("--scale-documentos", type=int, default=10_000, help="small data set of the scale check")
    p.add_argument("--skip-scale", action="store_true", help="no list/detail at --scale-documentos")
    p.add_argument("--skip-report", action="store_true", help="no Excel report (bench/report_bench.py)")
    p.add_argument("--only", help="comma-separated scenarios (names as in the results JSON)")
    p.add_argument("--no-docs", action="store_true", help="do not rewrite docs/performance.md and the chart")
    p.set_defaults(mode="quick")
    return p.parse_args(argv)


STARTED = time.monotonic()


def say(message: str) -> None:
    """A progress line with the minutes since the start."""
    elapsed = time.monotonic() - STARTED
    print(f"[{int(elapsed // 60):02d}:{int(elapsed % 60):02d}] {message}", flush=True)


def machine() -> dict[str, Any]:
    model = "unknown CPU"
    for row in Path("/proc/cpuinfo").read_text().splitlines():
        if row.startswith("model name"):
            model = row.split(":", 1)[1].strip()
            break
    ram = round(psutil.virtual_memory().total / 2**30, 1)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return {"nproc": os.cpu_count(), "cpu": model, "ram_gib": ram, "pinned": pinning(), "load_end": load}


def base_env() -> dict[str, str]:
    """The caller's environment without what would point the servers elsewhere."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CACHE_", "FLOOR_", "CELERY_"))}
    for name in ("DATABASE_URL", "REDIS_URL", "PROMETHEUS_MULTIPROC_DIR", "DATA_DIR", "QUERY_COUNT_HEADER"):
        env.pop(name, None)
    env["LOG_LEVEL"] = "WARNING"
    # wrk drives tracking and registrations from one address and one clerk at thousands per
    # second: the throttles would measure 429s, so they are off (the floor has none either).
    for name in ("LOGIN_LIMIT_POR_USUARIO", "LOGIN_LIMIT_POR_IP", "SEGUIMIENTO_LIMIT_POR_IP"):
        env[name] = ""
    env["ESCRITURA_LIMIT_POR_USUARIO"] = ""
    return env


def cache_counters(server: Server) -> dict[tuple[str, str], float]:
    """The optimized server's cache counters per namespace, from /metrics."""
    text = httpx.get(f"{server.url}/metrics", timeout=30).text
    found = re.findall(r'^mesa_partes_cache_(\w+)_total\{namespace="([^"]+)"\} ([0-9.e+]+)$', text, re.M)
    return {(ns, kind): float(v) for kind, ns, v in found}


def hit_rates(before: dict[tuple[str, str], float], after: dict[tuple[str, str], float]) -> dict[str, float]:
    """Hit rate per namespace during the block, and `all`: every lookup of every namespace."""
    rates = {}
    served = total = 0.0
    for ns in sorted({ns for ns, _ in after}):
        d = {k: after.get((ns, k), 0) - before.get((ns, k), 0) for k in ("hits", "misses", "stale_served")}
        lookups = d["hits"] + d["misses"] + d["stale_served"]
        if lookups:
            rates[ns] = (d["hits"] + d["stale_served"]) / lookups
            served, total = served + d["hits"] + d["stale_served"], total + lookups
    if total:
        rates["all"] = served / total
    return rates


def run(args: argparse.Namespace, procs: Processes) -> dict[str, Any]:
    mode = MODES[args.mode]
    documentos = args.documentos or mode.documentos
    passes, block_s = args.passes or mode.passes, args.block_seconds or mode.block_s
    mixed_s = args.mixed_seconds or mode.mixed_s
    env = base_env()
    say(f"[1/7] data: {documentos:,} documents under {args.data_root}")
    data = bench_data.prepare(procs, args.data_root / f"bench-{documentos}", documentos, env)
    pgdata = data.path / "pg"
    copy = bench_data.baseline_copy(procs, data, env)
    dropped = len(copy["dropped"]) + len(copy["dropped_after"])
    print(f"  baseline copy without {dropped} secondary indexes ({copy['seconds']} s), "
          f"{len(copy['kept'])} unique ones kept", flush=True)  # fmt: skip
    samples = bench_data.samples(data)
    redis = procs.start_redis()

    say("[2/7] servers")
    common = {**env, "DATA_DIR": str(data.path), "QUERY_COUNT_HEADER": "true", "REDIS_URL": redis.url}
    servers = {
        OPTIMIZED: procs.start_server(OPTIMIZED, "app.main:app", {**common, "CACHE_ENABLED": "true"}),
        FLOOR: procs.start_server(
            FLOOR, "bench.floor_app:app",
            {**env, "FLOOR_DSN": data.dsn(), "FLOOR_DATA_DIR": str(data.path), "FLOOR_REDIS_URL": redis.url},
        ),
        BASELINE: procs.start_server(
            BASELINE, "bench.baseline_app:app",
            {**common, "CACHE_ENABLED": "false", "CACHE_PREFIX": "mpbase",
             "DATABASE_URL": data.sqlalchemy_url(bench_data.BASELINE_DATABASE)},
        ),
    }  # fmt: skip
    admin = os.environ.get("ADMIN_USERNAME", "admin")
    tokens = {OPTIMIZED: bench_data.tokens(servers[OPTIMIZED], admin, samples.busy_area)}
    tokens[FLOOR] = tokens[OPTIMIZED]  # same database, same secret
    tokens[BASELINE] = bench_data.tokens(servers[BASELINE], admin, samples.busy_area)

    scenarios = build(samples, passes, mode.region)
    if args.only:
        wanted = set(args.only.split(","))
        scenarios = [s for s in scenarios if s.name in wanted or s.name == "livez"]
    lines_dir = procs.workdir / "lines"
    lines_dir.mkdir(exist_ok=True)
    files = {s.name: write_scenario(s, lines_dir) for s in scenarios}
    template = registration_template(samples)

    say("[3/7] same JSON from every contestant?")
    statements = verify.check(
        scenarios, {n: s.url for n, s in servers.items()}, tokens, samples, secrets.token_hex(4)
    )

    def one(scenario: Scenario, contestant: str, slot: int, seconds: int, connections: int) -> dict[str, Any]:
        conns = min(connections, scenario.connections) if scenario.name == "stats" else connections
        result = block(servers[contestant], files[scenario.name], scenario.start(slot), tokens[contestant],
                       template, seconds, conns, pgdata, procs.workdir)  # fmt: skip
        if scenario.unique and result["requests"] > scenario.region:
            print(f"  note: {scenario.name} used {result['requests']} > {scenario.region} distinct requests")
        return result

    say(f"[4/7] warm-up, then {passes} interleaved passes of {len(scenarios)} scenarios")
    for scenario in scenarios:  # what reads the database (the check warmed the rest)
        if scenario.name not in ("catalog", "stats_cached", "search_cached", "livez", "unmatched"):
            for contestant in scenario.contestants:
                one(scenario, contestant, 1, mode.warmup_s, args.connections)
    blocks: dict[str, dict[str, list[dict[str, Any]]]] = {
        s.name: {c: [] for c in s.contestants} for s in scenarios
    }
    for p in range(passes):
        started = time.perf_counter()
        for scenario in scenarios:
            order = list(scenario.contestants)
            order = order[p % len(order) :] + order[: p % len(order)]
            for contestant in order:
                blocks[scenario.name][contestant].append(
                    one(scenario, contestant, p + 2, block_s, args.connections)
                )
        print(f"  pass {p + 1}/{passes}: {time.perf_counter() - started:.0f} s", flush=True)
    summary = {name: {c: median_of(b) for c, b in per.items()} for name, per in blocks.items()}

    say(f"[5/7] mixed workload: 200 connections, {mixed_s:g} s per contestant")
    mix = mixed(samples)
    mix_file = write_scenario(mix, lines_dir)
    mixed_results: dict[str, Any] = {}
    for contestant in (OPTIMIZED, FLOOR, BASELINE):
        before = cache_counters(servers[OPTIMIZED]) if contestant == OPTIMIZED else {}
        m = block(servers[contestant], mix_file, 0, tokens[contestant], template, mixed_s, mix.connections,
                  pgdata, procs.workdir)  # fmt: skip
        if contestant == OPTIMIZED:
            m["hit_rate"] = hit_rates(before, cache_counters(servers[OPTIMIZED]))
        mixed_results[contestant] = m
    scale = None
    if not args.skip_scale:
        large = (servers[OPTIMIZED], tokens[OPTIMIZED], pgdata)
        try:
            scale = scale_check(args, procs, env, redis.url, large, samples, files, passes, block_s)
        except (RuntimeError, SystemExit, OSError) as exc:  # the rest of the run stands without it
            print(f"  scale check failed: {str(exc).splitlines()[0]}", flush=True)
            scale = {"error": str(exc).splitlines()[0][:300]}
    for server in list(servers.values()):
        procs.stop_server(server)
    report_result = None if args.skip_report else excel_report(procs, data, env)
    return {
        "mode": mode.name,
        "documentos": data.documentos,
        "seed_seconds": data.seed_seconds,
        "passes": passes,
        "block_s": block_s,
        "connections": args.connections,
        "baseline_db": copy,
        "samples": {"busy_area": samples.busy_area, "filter": [samples.filter_area, samples.filter_estado]},
        "labels": {s.name: s.label for s in scenarios},
        "statements": statements,
        "blocks": blocks,
        "summary": summary,
        "mixed": {"connections": mix.connections, "seconds": mixed_s, "results": mixed_results},
        "scale": scale,
        "report": report_result,
    }


def scale_check(
    args: argparse.Namespace,
    procs: Processes,
    env: dict[str, str],
    redis_url: str,
    large: tuple[Server, dict[str, str], Path],
    samples: Samples,
    files: dict[str, Path],
    passes: int,
    block_s: int,
) -> dict[str, Any]:
    """List and detail p50 of the optimized service on a small data set against the run's, in
    alternating blocks (both servers up, one loaded at a time)."""
    n = args.scale_documentos
    say(f"[6/7] scale: list and detail at {n:,} documents vs the run's")
    small_data = bench_data.prepare(procs, args.data_root / f"bench-{n}", n, env)
    small_env = {**env, "DATA_DIR": str(small_data.path), "REDIS_URL": redis_url, "CACHE_PREFIX": "mpsmall"}
    small_ids = [
        r[0]
        for r in bench_data.fetch(small_data.dsn(), "SELECT id FROM documentos ORDER BY random() LIMIT 2000")
    ]
    small_samples = Samples(**{**samples.__dict__, "ids": small_ids})
    (procs.workdir / "lines-small").mkdir(exist_ok=True)
    small_files = {
        s.name: write_scenario(s, procs.workdir / "lines-small")
        for s in build(small_samples, 1, 10)
        if s.name in ("list", "detail")
    }
    p50: dict[str, dict[str, list[float]]] = {name: {"small": [], "large": []} for name in ("list", "detail")}
    small = procs.start_server("optimized-small", "app.main:app", small_env)
    try:
        small_tokens = {"A": bench_data.login(small, os.environ.get("ADMIN_USERNAME", "admin"))}
        sides = {"small": (small, small_tokens, small_files, small_data.path / "pg"),
                 "large": (large[0], large[1], files, large[2])}  # fmt: skip
        for p in range(passes):
            for name in ("list", "detail"):
                for side in ("small", "large") if p % 2 == 0 else ("large", "small"):
                    server, toks, fs, pg = sides[side]
                    r = block(server, fs[name], 0, toks, "", block_s, args.connections, pg, procs.workdir)
                    if r["p50_ms"] is not None:
                        p50[name][side].append(r["p50_ms"])
    finally:
        procs.stop_server(small)
    rows = {
        name: {side: statistics.median(v) if v else None for side, v in per.items()}
        for name, per in p50.items()
    }
    return {"small": small_data.documentos, "rows": rows, "seed_seconds": small_data.seed_seconds}


def excel_report(procs: Processes, data: bench_data.DataDir, env: dict[str, str]) -> dict[str, Any]:
    """bench/report_bench.py on the run's data dir: the 100,000-row report against its floor."""
    say("[7/7] Excel report: 100,000 rows against its floor (bench/report_bench.py)")
    log = procs.workdir / "report_bench.log"
    report_env = {**env, "ADMIN_PASSWORD": bench_data.PASSWORD}
    argv = [PYTHON, str(ROOT / "bench" / "report_bench.py"), "--data-dir", str(data.path),
            "--documentos", str(data.documentos), "--filas", "100000", "--filas-pequeno", "5000",
            "--enqueues", "10"]  # fmt: skip
    try:
        procs.run(argv, report_env, log, timeout_s=1800)
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        return {"error": str(exc).splitlines()[0][:300]}
    found = re.findall(r"^results: (\S+)", log.read_text(), re.M)
    if not found:
        return {"error": f"no results line in {log}"}
    r = json.loads((ROOT / found[-1]).read_text())
    run = max((x for x in r["reportes"] if not x["calentamiento"]), key=lambda x: x["filas"])
    return {
        "filas": run["filas"],
        "rows_per_s": run["filas_por_segundo"],
        "floor_rows_per_s": run["suelo"]["combinado_filas_por_segundo"],
        "ratio": run["suelo"]["ratio_combinado"],
        "rss_before_mib": run["rss_antes_mib"],
        "rss_peak_mib": run["rss_pico_mib"],
        "rss_delta_mib": run["rss_incremento_mib"],
        "results": found[-1],
    }


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    started = time.perf_counter()
    ensure_tools()
    procs = Processes(Path(tempfile.mkdtemp(prefix="bench-run-")))
    print(f"logs and scratch files: {procs.workdir}", flush=True)
    try:
        with stopped_on_signals():
            result = run(args, procs)
    except verify.Mismatch as exc:
        print(f"\nFAILED: the contestants do not answer the same JSON.\n{exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        print(f"\ninterrupted ({exc or 'Ctrl-C'}): stopping everything the run started", file=sys.stderr)
        return 130
    finally:
        procs.stop_all()
    git = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True)
    entry = os.environ.get("BENCH_ENTRY", "python -m bench")
    result = {
        "command": " ".join([entry, *(argv if argv is not None else sys.argv[1:])]),
        "date": datetime.now().strftime("%Y-%m-%d %H:%M"),
        "git": git.stdout.strip(),
        "machine": machine(),
        "wall_s": round(time.perf_counter() - started, 1),
        **result,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"bench-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(result, indent=1, default=str) + "\n")
    print("\n" + report.markdown(result) + "\n")
    if not args.no_docs:
        report.write_doc(result)
        report.chart(result)
        print(
            f"wrote {report.DOC.relative_to(ROOT)} (between the bench markers) and "
            f"{report.CHART.relative_to(ROOT)}"
        )
    print(f"results: {out.relative_to(ROOT)}; run time {result['wall_s'] / 60:.1f} min")
    return 0
