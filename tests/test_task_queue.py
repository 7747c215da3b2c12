"""The task queue: a real Celery worker process on the suite's redis-server, and the in-process
path when the broker cannot be reached."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from app.core.config import PROJECT_ROOT, Settings
from app.core.task_queue import TaskQueue, build_celery
from tests.conftest import counted
from tests.redis_server import RedisServer, free_port


async def test_with_the_broker_down_the_task_runs_in_process(client: httpx.AsyncClient) -> None:
    queue = TaskQueue(build_celery(Settings(celery_broker_url=f"redis://127.0.0.1:{free_port()}/0")))
    started = time.perf_counter()
    task_id = queue.enqueue("mesa_partes.warmup_cache")
    assert time.perf_counter() - started < 2 and queue.degraded and len(task_id) == 32
    result = await asyncio.wrap_future(queue.local_runs[task_id])
    assert result.successful(), result.traceback
    assert result.result["catalogos"][0] == "areas" and result.result["estadisticas"] >= 1
    _, stats = await counted(client.get("/api/v1/catalogos/areas"))
    assert stats.count == 0  # warmed by the task, run in a thread with a loop of its own
    started = time.perf_counter()
    queue.enqueue("mesa_partes.warmup_cache")  # the broker is not tried again for a while
    assert time.perf_counter() - started < 0.2


@pytest.fixture
def worker(suite_redis: RedisServer) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "app.core.task_queue", "worker", "--pool=solo",
         "--loglevel=warning", "-Q", "default", "--without-gossip", "--without-mingle"],
        cwd=str(PROJECT_ROOT),
        env={**os.environ},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    yield process
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.mark.needs_redis
async def test_a_worker_process_runs_the_warmup_task(
    worker: subprocess.Popen[bytes], client: httpx.AsyncClient
) -> None:
    queue = TaskQueue(build_celery())
    task_id = queue.enqueue("mesa_partes.warmup_cache")
    assert not queue.degraded and not queue.local_runs
    result = queue.celery.AsyncResult(task_id)
    value = await asyncio.to_thread(result.get, timeout=90)
    assert value["catalogos"] == [
        "areas",
        "tipos-documento",
        "procedimientos",
        "indicaciones",
        "monedas",
        "paises",
    ]
    _, stats = await counted(client.get("/api/v1/catalogos/paises"))
    assert stats.count == 0  # the worker filled the shared cache
    assert worker.poll() is None


def test_flower_defaults_bind_loopback_behind_basic_auth(monkeypatch: pytest.MonkeyPatch) -> None:
    from app.core.task_queue import flower_defaults

    for name in ("FLOWER_ADDRESS", "FLOWER_PORT", "FLOWER_BASIC_AUTH"):
        monkeypatch.delenv(name, raising=False)
    flower_defaults(Settings(flower_password="clave-flower", flower_port=5999))
    assert os.environ["FLOWER_ADDRESS"] == "127.0.0.1" and os.environ["FLOWER_PORT"] == "5999"
    assert os.environ["FLOWER_BASIC_AUTH"] == "admin:clave-flower"
    monkeypatch.setenv("FLOWER_ADDRESS", "0.0.0.0")  # an operator's explicit choice wins
    flower_defaults(Settings())
    assert os.environ["FLOWER_ADDRESS"] == "0.0.0.0"


@pytest.fixture
def flower(suite_redis: RedisServer) -> Iterator[int]:
    port = free_port()
    env = {**os.environ, "FLOWER_PORT": str(port), "FLOWER_PASSWORD": "clave-flower"}
    env.pop("FLOWER_BASIC_AUTH", None)
    env.pop("FLOWER_ADDRESS", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "app.core.task_queue", "flower"],
        cwd=str(PROJECT_ROOT),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    yield port
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=20)


@pytest.mark.needs_redis
async def test_flower_answers_only_with_its_credentials(flower: int) -> None:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{flower}") as http:
        for _ in range(100):
            try:
                anonymous = await http.get("/")
                break
            except httpx.TransportError:
                await asyncio.sleep(0.1)
        else:
            pytest.fail("flower did not start")
        assert anonymous.status_code == 401
        allowed = await http.get("/", auth=("admin", "clave-flower"))
        assert allowed.status_code == 200 and "Flower" in allowed.text
