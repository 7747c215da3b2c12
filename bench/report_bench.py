"""Excel report benchmark: a 100,000-row report through the HTTP API and a real Celery worker.

    .venv/bin/python bench/report_bench.py [--data-dir DIR] [--documentos N] [--filas 100000]
                                           [--filas-pequeno 10000] [--enqueues 100]

One run: migrate (and seed N documents unless DIR already has at least --filas), start a private
redis-server, one uvicorn process and one Celery worker process (`-Q reports`, one pool child),
then:
  1. a warm-up report of ~100 rows, then a --filas-pequeno row report and a --filas row report
     (documentos, the newest documents selected by a reception-date filter), each requested with
     POST /reportes and polled until completado; for each: rows per second = filas /
     (finalizado_at - iniciado_at), the worker's process-tree RSS (main process + pool child,
     psutil, sampled every 20 ms) before the request and its peak during the run; each file is
     downloaded through the API (streamed);
  2. the enqueue latency of POST /reportes (p50/p95 over --enqueues sequential requests) with the
     worker stopped, so that only the request is measured; those reports are then purged from the
     queue and deleted;
  3. a floor for each measured report (bench/report_floors.py), in a child process with the same
     environment, after the reports and on the same data: the fetch floor streams the report's own
     SELECT (built by `listado_documentos`, compiled for asyncpg) through a raw asyncpg server-side
     cursor inside a transaction (`prefetch=report_fetch_rows`) and discards the rows; the write
     floor writes the same rows, fetched into memory first, with straightforward hand-written
     XlsxWriter code in constant_memory mode producing the same cells as the report's data sheet:
     the same workbook default style and cell formats, the Spanish word for each code (a dict
     lookup) and Sí/No, date-times in the office's wall-clock time, and the same row heights (per
     row, the most lines any wrapped cell needs, ceil(len(text) / characters per line); set_row
     when more than one). The combined floor is 1 / (1/fetch + 1/write) rows/s; the report's
     rows/s is printed as a ratio to it (and to each floor): 1.0 would mean the report costs
     nothing beyond the minimum code for the same output. Since 2026-12-07 (readable reports:
     words, wrapped rows, office time) this is the floor; the earlier floor, plain cells only
     (codes as stored, no row heights, UTC datetimes: strings, numbers, datetimes with a format,
     nothing else), is still measured and printed as "plain write/s" with its ratio "/plain
     floor", so that the cost of the readable output stays visible. Results saved before that date
     compare against the plain floor (their "ratio_combinado" is today's "ratio_combinado_simple").
Prints a table, also saved to bench/results/reportes-<timestamp>.json. The machine may be shared
and noisy: one run's figures are what they are.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.cache_bench import save_results, summarize, uvicorn, with_run_metadata  # noqa: E402
from bench.report_floors import floors, mib  # noqa: E402
from tests.redis_server import RedisServer  # noqa: E402

PYTHON = str(ROOT / ".venv" / "bin" / "python")
RESULTS = ROOT / "bench" / "results"
API = "/api/v1"
WARMUP_ROWS = 100

# Run in a child process with the benchmark's environment (settings are read once per process).
SQL = """import asyncio, json, sys; from sqlalchemy import text; from app.core.database import db
async def main():
    async with db.engine.begin() as conn:
        rows = (await conn.execute(text(sys.argv[1]), json.loads(sys.argv[2]))).all()
    print(json.dumps([list(r) for r in rows], default=str))
    await db.dispose()
asyncio.run(main())"""
# The office-calendar day of the n-th newest document: `fecha_desde` that selects about n rows.
DESDE = (
    "SELECT (fecha_recepcion AT TIME ZONE current_setting('TimeZone'))::date FROM documentos"
    " ORDER BY fecha_recepcion DESC, id DESC OFFSET :n LIMIT 1"
)


def sql(env: dict[str, str], statement: str, **params: Any) -> list[list[Any]]:
    out = subprocess.run(
        [PYTHON, "-c", SQL, statement, json.dumps(params)], cwd=ROOT, env=env, check=True, capture_output=True
    )
    result: list[list[Any]] = json.loads(out.stdout.decode().strip().splitlines()[-1])
    return result


def prepare_database(env: dict[str, str], documentos: int, needed: int) -> int:
    """Migrate; seed when the database has fewer than `needed` documents (a seeded DIR is reused)."""
    subprocess.run([PYTHON, "-m", "app.ops.cli", "migrate"], cwd=ROOT, env=env, check=True)
    existing = int(sql(env, "SELECT count(*) FROM documentos")[0][0])
    if existing >= needed:
        print(f"reusing {existing} documents already in the database (no seeding)")
        return existing
    missing = max(documentos, needed) - existing
    seed = [PYTHON, "-m", "app.ops.cli", "seed", "--documentos", str(missing)]
    subprocess.run(seed, cwd=ROOT, env=env, check=True)
    return existing + missing


class Worker:
    """`celery -A app.core.task_queue worker -Q reports` with one pool child, in its own process group."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.log.write_bytes(b"")
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [PYTHON, "-m", "celery", "-A", "app.core.task_queue", "worker", "--loglevel=info",
                 "--concurrency=1", "-Q", "reports", "--without-gossip", "--without-mingle",
                 "-n", f"bench-{os.getpid()}-{time.time_ns()}@%h"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + 120
        while b"ready." not in self.log.read_bytes():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the worker did not start: see {self.log}")
            time.sleep(0.1)

    def rss(self) -> int:
        """Resident memory of the worker and its pool children, in bytes."""
        assert self.process is not None
        total = 0
        with suppress(psutil.NoSuchProcess):
            parent = psutil.Process(self.process.pid)
            for proc in [parent, *parent.children(recursive=True)]:
                with suppress(psutil.NoSuchProcess):
                    total += proc.memory_info().rss
        return total

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


@contextmanager
def sampling(worker: Worker, every_s: float = 0.02) -> Iterator[list[int]]:
    """RSS samples of the worker tree, taken in a thread while the block runs."""
    samples: list[int] = []
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            samples.append(worker.rss())
            done.wait(every_s)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield samples
    finally:
        done.set()
        thread.join()


async def report_run(
    http: httpx.AsyncClient, auth: dict[str, str], worker: Worker, parametros: dict[str, Any]
) -> dict[str, Any]:
    await asyncio.sleep(1.0)  # let the worker settle before the baseline
    antes = worker.rss()
    with sampling(worker) as samples:
        t0 = time.perf_counter()
        r = await http.post(
            f"{API}/reportes", json={"tipo": "documentos", "parametros": parametros}, headers=auth
        )
        r.raise_for_status()
        reporte_id = r.json()["reporte_id"]
        while True:
            estado = (await http.get(f"{API}/reportes/{reporte_id}", headers=auth)).json()
            if estado["estado"] in ("completado", "error"):
                break
            await asyncio.sleep(0.1)
        wall = time.perf_counter() - t0
    if estado["estado"] != "completado":
        raise SystemExit(f"report {reporte_id} failed: {estado['error']}")
    segundos = (
        datetime.fromisoformat(estado["finalizado_at"]) - datetime.fromisoformat(estado["iniciado_at"])
    ).total_seconds()
    result: dict[str, Any] = {
        "reporte_id": reporte_id,
        "parametros": parametros,
        "filas": estado["filas"],
        "segundos_generacion": round(segundos, 2),
        "filas_por_segundo": round(estado["filas"] / segundos, 1),
        "segundos_pared": round(wall, 2),
        "rss_antes_mib": mib(antes),
        "rss_pico_mib": mib(max(samples)),
        "rss_incremento_mib": mib(max(samples) - antes),
        "muestras_rss": len(samples),
    }
    t0 = time.perf_counter()
    size = 0
    async with http.stream("GET", f"{API}/reportes/{reporte_id}/descarga", headers=auth) as download:
        download.raise_for_status()
        async for chunk in download.aiter_bytes():
            size += len(chunk)
    result["archivo_mib"] = mib(size)
    result["descarga_s"] = round(time.perf_counter() - t0, 3)
    print(
        f"  {result['filas']} rows: {result['filas_por_segundo']} rows/s ({segundos:.1f} s), worker RSS "
        f"{result['rss_antes_mib']} MiB before, {result['rss_pico_mib']} MiB peak; "
        f"file {result['archivo_mib']} MiB"
    )
    return result


async def enqueue_latency(
    http: httpx.AsyncClient, auth: dict[str, str], n: int
) -> tuple[dict[str, float], list[int]]:
    """Sequential POST /reportes (a report of an area no document is in: trivial if it ever ran)."""
    body = {"tipo": "vencidos", "parametros": {"area_id": 2**62}}
    latencies, ids = [], []
    for _ in range(5):  # untimed: connection, first-request costs
        r = await http.post(f"{API}/reportes", json=body, headers=auth)
        r.raise_for_status()
        ids.append(r.json()["reporte_id"])
    for _ in range(n):
        t0 = time.perf_counter()
        r = await http.post(f"{API}/reportes", json=body, headers=auth)
        latencies.append(time.perf_counter() - t0)
        assert r.status_code == 202, r.text
        ids.append(r.json()["reporte_id"])
    return {**summarize(latencies), "n": len(latencies)}, ids


async def measure(
    url: str, worker: Worker, desdes: list[tuple[int, str]], args: argparse.Namespace, password: str
) -> tuple[dict[str, Any], list[int]]:
    async with httpx.AsyncClient(base_url=url, timeout=600) as http:
        r = await http.post(f"{API}/auth/login", json={"username": "admin", "password": password})
        if r.status_code != 200:  # the admin keeps the password of the run that seeded DATA_DIR
            raise SystemExit(f"login failed ({r.status_code}): set ADMIN_PASSWORD to this DATA_DIR's")
        auth = {"Authorization": f"Bearer {r.json()['access_token']}"}
        runs = []
        for filas, desde in desdes:
            print(f"report of the documents received since {desde} (~{filas} rows)")
            run = await report_run(http, auth, worker, {"fecha_desde": desde})
            runs.append({**run, "calentamiento": filas == WARMUP_ROWS})
        worker.stop()  # only the request is timed: nothing consumes the queue meanwhile
        print(f"enqueue latency: {args.enqueues} x POST /reportes, worker stopped")
        latency, ids = await enqueue_latency(http, auth, args.enqueues)
        print(f"  p50 {latency['p50_ms']} ms, p95 {latency['p95_ms']} ms")
    return {"reportes": runs, "enqueue": latency}, ids


def print_report(result: dict[str, Any]) -> None:
    head = f"{'rows':>8} {'rows/s':>9} {'gen s':>7} {'RSS before':>11} {'RSS peak':>9} {'delta':>7}"
    head += f" {'file MiB':>9}"
    print("\n" + head + "\n" + "-" * len(head))
    for run in result["reportes"]:
        print(
            f"{run['filas']:>8} {run['filas_por_segundo']:>9} {run['segundos_generacion']:>7} "
            f"{run['rss_antes_mib']:>11} {run['rss_pico_mib']:>9} {run['rss_incremento_mib']:>7} "
            f"{run['archivo_mib']:>9}" + ("  (warm-up)" if run["calentamiento"] else "")
        )
    e = result["enqueue"]
    print("(RSS in MiB: worker main process + pool child)")
    print(f"POST /reportes enqueue latency over {e['n']} requests: "
          f"p50 {e['p50_ms']} ms, p95 {e['p95_ms']} ms, mean {e['mean_ms']} ms")  # fmt: skip
    head = f"{'rows':>8} {'report/s':>9} {'fetch/s':>9} {'write/s':>9} {'floor/s':>9}"
    head += f" {'/floor':>7} {'/fetch':>7} {'/write':>7} {'plain write/s':>13} {'/plain floor':>12}"
    print("\nfloors (rows/s; same SELECT and rows, one child process after the reports)")
    print(head + "\n" + "-" * len(head))
    for run in result["reportes"]:
        if "suelo" in run:
            f = run["suelo"]
            print(
                f"{run['filas']:>8} {run['filas_por_segundo']:>9} {f['lectura_filas_por_segundo']:>9} "
                f"{f['escritura_filas_por_segundo']:>9} {f['combinado_filas_por_segundo']:>9} "
                f"{f['ratio_combinado']:>7.3f} {f['ratio_lectura']:>7.3f} {f['ratio_escritura']:>7.3f}"
                f" {f['escritura_simple_filas_por_segundo']:>13} {f['ratio_combinado_simple']:>12.3f}"
            )
    print("(fetch: raw asyncpg cursor, rows discarded; write: hand-written XlsxWriter constant_memory")
    print(" from memory, same cells as the report (words, row heights, office time); floor =")
    print(" 1 / (1/fetch + 1/write); /floor etc. = report rows/s ÷ that floor; plain write: codes as")
    print(
        " stored, no heights, UTC (the pre-2026-12-07 floor); /plain floor = report ÷ 1/(1/fetch + 1/plain))"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/bench-reportes"), help="DATA_DIR to use")
    parser.add_argument("--documentos", type=int, default=100_000, help="documents to seed when too few")
    parser.add_argument("--filas", type=int, default=100_000, help="rows of the large report")
    parser.add_argument("--filas-pequeno", type=int, default=10_000, help="rows of the small report")
    parser.add_argument("--enqueues", type=int, default=100, help="timed POST /reportes requests")
    args = parser.parse_args()

    password = os.environ.get("ADMIN_PASSWORD") or "bench-reportes-admin"
    workdir = Path(tempfile.mkdtemp(prefix="report-bench-"))
    env = {**os.environ, "DATA_DIR": str(args.data_dir.resolve()), "ADMIN_PASSWORD": password}
    env.setdefault("JWT_SECRET", secrets.token_urlsafe(32))
    env["STORAGE_DIR"] = str(workdir / "storage")  # the API and the worker share it; removed at the end
    redis = RedisServer(workdir / "redis")  # our own: free port, no persistence
    redis.start()
    worker = Worker(env, workdir / "worker.log")
    try:
        env["REDIS_URL"] = redis.url
        env.pop("CELERY_BROKER_URL", None)
        env.pop("CELERY_RESULT_BACKEND", None)
        documentos = prepare_database(env, args.documentos, args.filas)
        # A first small report warms the pool child up (connections, imports, compiled statements):
        # the two measured runs then start from the same baseline.
        tamanos = (WARMUP_ROWS, args.filas_pequeno, args.filas)
        desdes = [(n, str(sql(env, DESDE, n=n - 1)[0][0])) for n in tamanos]
        with uvicorn("api", env, workdir) as url:
            worker.start()
            result, ids = asyncio.run(measure(url, worker, desdes, args, password))
        # The enqueue phase's reports: off the queue and out of the table.
        purge = [PYTHON, "-m", "celery", "-A", "app.core.task_queue", "purge", "-f", "-Q", "reports"]
        subprocess.run(purge, cwd=ROOT, env=env, check=True, capture_output=True)
        sql(env, "DELETE FROM reportes WHERE id = ANY(:ids) RETURNING id", ids=ids)
        # After the reports, on the same data, with nothing else of the bench running.
        floors(env, result["reportes"])
    finally:
        worker.stop()
        redis.stop()
        shutil.rmtree(workdir / "storage", ignore_errors=True)
    result = with_run_metadata(result, documentos=documentos)
    print_report(result)
    save_results("reportes", result, workdir)


if __name__ == "__main__":
    main()
