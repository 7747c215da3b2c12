"""Cache benchmark: the service with the Redis cache vs the same service with CACHE_ENABLED=false.

    .venv/bin/python bench/cache_bench.py [--documentos N] [--requests R] [--data-dir DIR]

One run: migrate (and seed N documents unless DIR already has some), start a private redis-server
and two uvicorn processes on the same database, time each endpoint sequentially on both servers
(interleaved in blocks so machine noise hits both alike), run a mixed read/write workload on the
cached server, and print a table that is also saved to bench/results/cache-<timestamp>.json.
Latencies are client-side (httpx over loopback, keep-alive): quote the ratios, not the absolutes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.redis_server import RedisServer, free_port  # noqa: E402

PYTHON = str(ROOT / ".venv" / "bin" / "python")
UVICORN = ("-m", "uvicorn", "app.main:app", "--no-access-log", "--log-level", "warning")
RESULTS = ROOT / "bench" / "results"
API = "/api/v1"
WARMUP = 5  # untimed requests per endpoint and server: fills the cache, opens the connection
BLOCK = 25  # requests timed on one server before switching to the other
SEARCH_TERMS = ("licencia", "solicito", "reclamo", "denuncia", "recurso")  # mixed workload
Req = tuple[str, str, dict[str, Any] | None, dict[str, str]]  # method, url, JSON body, headers

# Run in a child process with the benchmark's environment (settings are read once per process).
COUNT_DOCUMENTOS = """import asyncio; from sqlalchemy import text; from app.core.database import db
async def main():
    async with db.engine.connect() as conn: print(await conn.scalar(text("SELECT count(*) FROM documentos")))
    await db.dispose()
asyncio.run(main())"""


@dataclass
class Endpoint:
    name: str
    path: str
    params: dict[str, Any]
    auth: bool = False
    etag: bool = False  # send If-None-Match with the ETag the server gave for the same path


def prepare_database(env: dict[str, str], documentos: int) -> int:
    """Migrate; seed only an empty database (a seeded DATA_DIR is reused as is)."""
    subprocess.run([PYTHON, "-m", "app.ops.cli", "migrate"], cwd=ROOT, env=env, check=True)
    out = subprocess.run([PYTHON, "-c", COUNT_DOCUMENTOS], cwd=ROOT, env=env, check=True, capture_output=True)
    existing = int(out.stdout.split()[-1])
    if existing:
        print(f"reusing {existing} documents already in the database (no seeding)")
        return existing
    subprocess.run(
        [PYTHON, "-m", "app.ops.cli", "seed", "--documentos", str(documentos)], cwd=ROOT, env=env, check=True
    )
    return documentos


@contextmanager
def uvicorn(name: str, env: dict[str, str], logdir: Path) -> Iterator[str]:
    """A uvicorn process serving the app; yields its base URL, stops it with SIGTERM."""
    port = free_port()
    with (logdir / f"{name}.log").open("wb") as log:
        proc = subprocess.Popen(
            [PYTHON, *UVICORN, "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 120  # the first process may start the embedded PostgreSQL
            while True:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{name} server did not come up: see {logdir / name}.log")
                try:
                    if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.2)
            yield url
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def summarize(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)

    def pick(q: float) -> float:  # nearest-rank percentile
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return {
        "p50_ms": round(pick(0.50) * 1000, 3),
        "p95_ms": round(pick(0.95) * 1000, 3),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 3),
        # Sequential requests on one connection: throughput is 1 / mean latency.
        "rps": round(len(ordered) / sum(ordered), 1),
    }


async def compare(
    clients: dict[str, httpx.AsyncClient], eps: list[Endpoint], n: int, token: str
) -> list[dict[str, Any]]:
    """Time every endpoint on both servers, endpoint by endpoint, alternating blocks of requests."""
    rows = []
    for ep in eps:
        headers = {"Authorization": f"Bearer {token}"} if ep.auth else {}
        lat: dict[str, list[float]] = {name: [] for name in clients}
        codes: dict[str, Counter[int]] = {name: Counter() for name in clients}
        if ep.etag:  # both servers build the same body, hence the same ETag
            etag = (await clients["cached"].get(ep.path, params=ep.params)).headers["etag"]
            headers = {**headers, "If-None-Match": etag}
        for client in clients.values():
            for _ in range(WARMUP):
                await client.get(ep.path, params=ep.params, headers=headers)
        for start in range(0, n, BLOCK):
            for name, client in clients.items():
                for _ in range(min(BLOCK, n - start)):
                    t0 = time.perf_counter()
                    r = await client.get(ep.path, params=ep.params, headers=headers)
                    lat[name].append(time.perf_counter() - t0)
                    codes[name][r.status_code] += 1
        row: dict[str, Any] = {"endpoint": ep.name}
        for name in clients:
            row[name] = {**summarize(lat[name]), "status": dict(codes[name])}
        row["p50_ratio"] = round(row["cached"]["p50_ms"] / row["uncached"]["p50_ms"], 4)
        rows.append(row)
        print(
            f"  {ep.name}: cached p50 {row['cached']['p50_ms']} ms, uncached {row['uncached']['p50_ms']} ms"
        )
    return rows


async def mixed(client: httpx.AsyncClient, token: str, total: int, workers: int) -> dict[str, Any]:
    """~95 % reads (catalogs, statistics, searches over a few terms) and ~5 % registrations, from
    `workers` concurrent clients; reports latency per operation and the cache hit rate per namespace
    over this phase only (the /admin/cache counters are cumulative per process)."""
    auth = {"Authorization": f"Bearer {token}"}
    tipo = (await client.get(f"{API}/catalogos/tipos-documento")).json()[0]["id"]
    procedimiento = (await client.get(f"{API}/catalogos/procedimientos")).json()[0]["id"]
    etag = (await client.get(f"{API}/catalogos/areas")).headers["etag"]
    rng = random.Random(42)

    def registro() -> Req:  # a new sender each time, like a real desk (the DNI is 8 random digits)
        remitente = {"tipo_persona": "natural", "tipo_documento_identidad": "DNI", "nombre": "María Quispe"}
        remitente["numero_documento_identidad"] = f"{rng.randrange(10**8):08d}"
        asunto = f"Solicito licencia de funcionamiento para bodega {rng.randrange(10**6)}"
        body = {"tipo_documento_id": tipo, "procedimiento_id": procedimiento, "folios": 3}
        return "POST", f"{API}/documentos", {**body, "asunto": asunto, "remitente": remitente}, auth

    def search() -> Req:
        return "GET", f"{API}/documentos?q={rng.choice(SEARCH_TERMS)}&page_size=20", None, auth

    operations: dict[str, tuple[float, Callable[[], Req]]] = {
        "areas": (0.20, lambda: ("GET", f"{API}/catalogos/areas", None, {})),
        "areas 304": (0.15, lambda: ("GET", f"{API}/catalogos/areas", None, {"If-None-Match": etag})),
        "paises": (0.10, lambda: ("GET", f"{API}/catalogos/paises", None, {})),
        "estadisticas": (0.20, lambda: ("GET", f"{API}/estadisticas", None, auth)),
        "search": (0.30, search),
        "register": (0.05, registro),
    }
    plan = rng.choices(list(operations), weights=[w for w, _ in operations.values()], k=total)
    before = (await client.get(f"{API}/admin/cache", headers=auth)).json()["namespaces"]
    lat: dict[str, list[float]] = {name: [] for name in operations}
    codes: dict[str, Counter[int]] = {name: Counter() for name in operations}

    async def worker() -> None:
        while plan:  # one shared queue: asyncio runs one worker at a time between awaits
            name = plan.pop()
            method, url, body, headers = operations[name][1]()
            t0 = time.perf_counter()
            r = await client.request(method, url, json=body, headers=headers)
            lat[name].append(time.perf_counter() - t0)
            codes[name][r.status_code] += 1

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(workers)))
    elapsed = time.perf_counter() - t0
    after = (await client.get(f"{API}/admin/cache", headers=auth)).json()
    hit_rates = {}
    for ns, now in after["namespaces"].items():
        # A request that waited for another's in-flight computation counts as a hit: read the
        # computations (real recomputes) beside the hit rate, and the latency table above.
        fields = ("hits", "misses", "stale_served", "computations", "invalidations")
        d = {k: now[k] - before.get(ns, {}).get(k, 0) for k in fields}
        lookups = d["hits"] + d["stale_served"] + d["misses"]
        d["hit_rate"] = round((d["hits"] + d["stale_served"]) / lookups, 4) if lookups else None
        hit_rates[ns] = d
    return {
        "requests": total,
        "workers": workers,
        "rps": round(total / elapsed, 1),
        "operations": {n: {**summarize(v), "n": len(v), "status": dict(codes[n])} for n, v in lat.items()},
        "hit_rates": hit_rates,
        "cache_report": after,
    }


def print_report(result: dict[str, Any]) -> None:
    def line(label: str, s: dict[str, Any], last: str = "rps") -> str:
        return f"{label}{s['p50_ms']:>9.2f}{s['p95_ms']:>9.2f}{s[last]:>9.1f}  {s['status']}"

    head = f"{'endpoint':<24}{'server':<10}{'p50 ms':>9}{'p95 ms':>9}{'req/s':>9}  status"
    print("\n" + head + "\n" + "-" * len(head))
    for row in result["endpoints"]:
        for server in ("cached", "uncached"):
            print(line(f"{row['endpoint']:<24}{server:<10}", row[server]))
        speedup = row["uncached"]["p50_ms"] / row["cached"]["p50_ms"]
        print(f"{'':<24}{'ratio':<10}cached/uncached p50 = {row['p50_ratio']:.3f} ({speedup:.1f}x faster)")
    print("(the uncached server answers 304 too: it rebuilds the body from the database to hash it)")
    m = result["mixed"]
    print(
        f"\nmixed workload, cached server: {m['requests']} requests, {m['workers']} workers, {m['rps']} req/s"
    )
    print(f"{'operation':<24}{'n':<10}{'p50 ms':>9}{'p95 ms':>9}{'mean ms':>9}  status")
    for name, s in m["operations"].items():
        print(line(f"{name:<24}{s['n']:<10}", s, "mean_ms"))
    print("cache hit rate per namespace during the mixed workload:")
    for ns, d in m["hit_rates"].items():
        rate = "n/a" if d["hit_rate"] is None else f"{d['hit_rate']:.1%}"
        total = m["cache_report"]["namespaces"][ns]["hit_rate"]
        print(f"  {ns:<14} {rate:>7}  hits {d['hits']}, stale {d['stale_served']}, misses {d['misses']}, "
              f"computations {d['computations']}, invalidations {d['invalidations']}; "
              f"since start: {total}")  # fmt: skip


async def measure(urls: dict[str, str], args: argparse.Namespace, password: str) -> dict[str, Any]:
    clients = {name: httpx.AsyncClient(base_url=url, timeout=60) for name, url in urls.items()}
    try:
        login = {"username": "admin", "password": password}
        r = await clients["cached"].post(f"{API}/auth/login", json=login)
        if r.status_code != 200:  # the admin keeps the password of the run that seeded DATA_DIR
            raise SystemExit(f"login failed ({r.status_code}): set ADMIN_PASSWORD to this DATA_DIR's")
        token = r.json()["access_token"]  # valid on both servers: they share JWT_SECRET
        eps = [
            Endpoint("catalogos/areas", f"{API}/catalogos/areas", {}),
            Endpoint("catalogos/paises", f"{API}/catalogos/paises", {}),
            Endpoint("catalogos/areas 304", f"{API}/catalogos/areas", {}, etag=True),
            Endpoint("estadisticas", f"{API}/estadisticas", {}, auth=True),
            Endpoint(f"documentos?q={args.q}", f"{API}/documentos", {"q": args.q, "page_size": 20}, True),
        ]
        print(f"timing {args.requests} requests per endpoint and server")
        rows = await compare(clients, eps, args.requests, token)
        print(f"mixed workload: {args.mixed} requests")
        return {"endpoints": rows, "mixed": await mixed(clients["cached"], token, args.mixed, args.workers)}
    finally:
        for client in clients.values():
            await client.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--documentos", type=int, default=100_000, help="documents to seed into an empty DB")
    parser.add_argument("--requests", type=int, default=300, help="timed requests per endpoint and server")
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/bench-cache"), help="DATA_DIR to use")
    parser.add_argument("--mixed", type=int, default=2000, help="requests in the mixed workload")
    parser.add_argument("--workers", type=int, default=4, help="concurrent clients in the mixed workload")
    parser.add_argument("--q", default="licencia", help="full-text search term (common in seeded asuntos)")
    args = parser.parse_args()

    password = os.environ.get("ADMIN_PASSWORD") or "bench-cache-admin"
    env = {**os.environ, "DATA_DIR": str(args.data_dir.resolve()), "ADMIN_PASSWORD": password}
    env.setdefault("JWT_SECRET", secrets.token_urlsafe(32))
    workdir = Path(tempfile.mkdtemp(prefix="cache-bench-"))
    redis = RedisServer(workdir / "redis")  # our own: --save "" --appendonly no, free port
    redis.start()
    try:
        env["REDIS_URL"] = redis.url  # the CLI's seed invalidates this cache, never someone else's
        documentos = prepare_database(env, args.documentos)
        with (
            uvicorn("cached", {**env, "CACHE_ENABLED": "true"}, workdir) as cached,
            uvicorn("uncached", {**env, "CACHE_ENABLED": "false"}, workdir) as uncached,
        ):
            result = asyncio.run(measure({"cached": cached, "uncached": uncached}, args, password))
    finally:
        redis.stop()
    result = with_run_metadata(result, documentos=documentos, requests_per_endpoint=args.requests)
    print_report(result)
    save_results("cache", result, workdir)


def with_run_metadata(result: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """The command, time, commit and machine of this run, before its figures."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    # Others edit app/ while benchmarks run: "-dirty" says the measured code is not exactly HEAD.
    git = ["git", "describe", "--always", "--dirty"]
    commit = subprocess.run(git, cwd=ROOT, capture_output=True, text=True).stdout.strip()
    meta = {"command": " ".join(sys.argv), "timestamp": stamp, "git": commit, **extra}
    return {**meta, "cpus": os.cpu_count(), **result}


def save_results(prefix: str, result: dict[str, Any], workdir: Path) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{prefix}-{result['timestamp']}.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"\nresults: {out.relative_to(ROOT)}  (logs: {workdir})")


if __name__ == "__main__":
    main()
