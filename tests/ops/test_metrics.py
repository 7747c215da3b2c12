"""GET /metrics: request latency and statements per route template, the connection pool's gauges,
task runs, and prometheus-client's multiprocess mode (two processes' samples merged)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from app.core.config import PROJECT_ROOT, Settings
from app.core.database import build_engine, count_statements, db
from app.core.task_queue import TaskQueue, build_celery, get_task_queue
from tests.helpers import Json, Tokens
from tests.redis_server import free_port

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
REQUEST = "mesa_partes_http_request_duration_seconds"
STATEMENTS = "mesa_partes_http_request_statements"


def parse(exposition: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
    }


async def scrape(client: httpx.AsyncClient) -> Samples:
    response = await client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    return parse(response.text)


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def test_a_request_is_measured_under_its_route_template(
    client: httpx.AsyncClient, tokens: Tokens, new_doc: Json
) -> None:
    route = {"method": "GET", "endpoint": "/api/v1/documentos/{documento_id}"}
    before = await scrape(client)
    with count_statements() as stats:
        response = await client.get(f"/api/v1/documentos/{new_doc['id']}", headers=tokens["mesa"])
    assert response.status_code == 200
    missing = await client.get(f"/api/v1/no-existe/{new_doc['id']}")
    assert missing.status_code == 404
    after = await scrape(client)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew(f"{REQUEST}_count", **route, status="200") == 1
    assert grew(f"{REQUEST}_bucket", **route, status="200", le="+Inf") == 1
    assert grew(f"{REQUEST}_sum", **route, status="200") > 0
    # The request's statements, as the middleware counted them (the same as this block did).
    assert grew(f"{STATEMENTS}_count", **route) == 1
    assert grew(f"{STATEMENTS}_sum", **route) == stats.count > 0
    # A path no route matches is one label, whatever the path.
    assert grew(f"{REQUEST}_count", method="GET", endpoint="<unmatched>", status="404") == 1
    assert not [key for key in after if any("no-existe" in label for _, label in key[1])]


async def test_pool_gauges_follow_checkouts_and_waiters(client: httpx.AsyncClient) -> None:
    # The tasks of the registration above, run in this process when Redis is down, use pools too.
    while running := list(get_task_queue().local_runs.values()):
        await asyncio.gather(*(asyncio.wrap_future(future) for future in running))
    samples = await scrape(client)
    assert value(samples, "mesa_partes_db_pool_size") >= Settings().db_pool_size
    # A pool of one connection: a second checkout waits for the first to come back.
    small = build_engine(
        Settings(db_pool_size=1, db_max_overflow=0, db_pool_timeout_s=30),
        url=db.engine.url.render_as_string(hide_password=False),
    )
    try:
        async with small.connect() as held:
            await held.execute(text("SELECT 1"))
            holding = await scrape(client)

            async def second() -> None:
                async with small.connect() as connection:
                    await connection.execute(text("SELECT 1"))

            waiter = asyncio.create_task(second())
            deadline = time.monotonic() + 30
            while value(waiting := await scrape(client), "mesa_partes_db_pool_waiting") < 1:
                assert time.monotonic() < deadline, "the second checkout never showed as waiting"
                await asyncio.sleep(0.05)
        await asyncio.wait_for(waiter, 30)
        released = await scrape(client)
    finally:
        await small.dispose()
    assert value(holding, "mesa_partes_db_pool_checked_out") >= 1
    assert value(waiting, "mesa_partes_db_pool_checked_out") >= 1
    checked_out = "mesa_partes_db_pool_checked_out"
    assert value(released, "mesa_partes_db_pool_waiting") == value(holding, "mesa_partes_db_pool_waiting")
    assert value(released, checked_out) <= value(holding, checked_out) - 1
    assert ("mesa_partes_db_pool_overflow", frozenset()) in released


async def test_task_runs_are_counted_per_task_and_state(client: httpx.AsyncClient) -> None:
    """Run in this process (the fallback of a queue whose broker is unreachable): the same signals as
    on a worker, recorded in this process's registry."""
    queue = TaskQueue(build_celery(Settings(celery_broker_url=f"redis://127.0.0.1:{free_port()}/0")))
    task = "mesa_partes.warmup_cache"
    before = await scrape(client)
    ok = await asyncio.wrap_future(queue.local_runs[queue.enqueue(task)])
    failed = await asyncio.wrap_future(queue.local_runs[queue.enqueue(task, {"no_such_argument": 1})])
    after = await scrape(client)
    assert ok.successful() and failed.failed()

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("mesa_partes_tasks_total", task=task, state="started") == 2
    assert grew("mesa_partes_tasks_total", task=task, state="success") == 1
    assert grew("mesa_partes_tasks_total", task=task, state="failure") == 1
    assert grew("mesa_partes_task_duration_seconds_count", task=task, state="success") == 1
    assert grew("mesa_partes_task_duration_seconds_sum", task=task, state="success") > 0
    assert grew("mesa_partes_task_failures_total", task=task, exception="TypeError") == 1


_RECORDER = """
import asyncio, httpx
from app.main import app

async def main():
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://recorder") as client:
        for _ in range(2):
            assert (await client.get("/livez")).status_code == 200

asyncio.run(main())
"""


async def _serving(port: int, process: asyncio.subprocess.Process, timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert process.returncode is None, "uvicorn exited"
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.2)
        else:
            writer.close()
            return
    raise AssertionError("uvicorn did not listen")


def _livez_count(samples: Samples) -> float:
    return value(samples, f"{REQUEST}_count", method="GET", endpoint="/livez", status="200")


async def test_multiprocess_mode_merges_every_process(tmp_path: Path) -> None:
    """Two processes write to one PROMETHEUS_MULTIPROC_DIR: one served two requests and ended, the
    other (uvicorn) serves one and answers /metrics for both."""
    directory = tmp_path / "metrics"
    directory.mkdir()
    env: dict[str, Any] = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)}
    recorder = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-c", _RECORDER], cwd=PROJECT_ROOT, env=env, capture_output=True,
        timeout=120,
    )  # fmt: skip
    assert recorder.returncode == 0, recorder.stderr.decode()[-3000:]
    port = free_port()
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port),
        cwd=PROJECT_ROOT, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        await _serving(port, server)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            assert (await http.get("/livez")).status_code == 200
            samples = parse((await http.get("/metrics")).text)
    finally:
        server.send_signal(signal.SIGTERM)
        _, errors = await asyncio.wait_for(server.communicate(), 60)
    assert _livez_count(samples) == 3, errors.decode()[-3000:]
    assert ("mesa_partes_db_pool_size", frozenset()) in samples
    assert ("mesa_partes_cache_degraded", frozenset()) in samples
    histograms = sorted(path.name for path in directory.glob("histogram_*.db"))
    assert len(histograms) == 2, histograms
    # A process that ends removes its live gauges (its counters and histograms stay).
    assert not list(directory.glob(f"gauge_livesum_{server.pid}.db"))
