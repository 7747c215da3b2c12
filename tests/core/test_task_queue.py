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
from concurrent.futures import Future
from typing import Any

import httpx
import pytest

from app.core.config import PROJECT_ROOT, Settings, get_settings
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


@pytest.mark.needs_redis
async def test_the_tasks_of_a_unit_of_work_are_published_together_after_its_commit(
    worker: subprocess.Popen[bytes],
) -> None:
    """One broker round for every task of a request (a registration enqueues two), in the
    process's queue's trimmed publish (no result subscription): a real worker runs them and
    their results can still be waited for."""
    from app.core.database import session_scope
    from app.core.task_queue import enqueue_after_commit, get_task_queue

    queue = get_task_queue()
    async with session_scope() as session:
        task_ids = [enqueue_after_commit(session, "mesa_partes.warmup_cache", {}) for _ in range(2)]
        assert len(session.info["after_commit"]) == 1  # one callback publishes both
    assert not queue.degraded and not any(task_id in queue.local_runs for task_id in task_ids)
    for task_id in task_ids:
        value = await asyncio.to_thread(queue.celery.AsyncResult(task_id).get, timeout=90)
        assert value["catalogos"][0] == "areas"


@pytest.mark.needs_redis
async def test_the_loops_push_writes_the_message_kombu_writes(suite_redis: RedisServer) -> None:
    """`enqueue_many_async` pushes Celery's message itself, in kombu's Redis envelope: the same
    JSON as kombu's publish but for what differs per message or per thread."""
    import orjson
    from redis.asyncio import Redis

    url = suite_redis.url.rsplit("/", 1)[0] + "/15"  # a database no worker of the suite consumes
    queue = TaskQueue(build_celery(Settings(celery_broker_url=url)))
    client = Redis.from_url(url)
    try:
        await client.delete("notifications")
        task = ("mesa_partes.enviar_notificacion", {"historial_id": 7, "texto": "ñandú"}, "a" * 32)
        await asyncio.to_thread(queue.enqueue_many, [task])  # through kombu's producer
        assert await queue._push([task])  # pushed by the loop, not by a fallback
        # LPUSH, consumed from the tail: kombu's first.
        kombu, ours = [orjson.loads(await client.rpop("notifications")) for _ in range(2)]
        for message in (kombu, ours):
            assert message["properties"].pop("delivery_tag")  # a uuid4 each
            assert message["properties"].pop("reply_to")  # the publishing thread's oid
        assert ours == kombu and kombu["properties"]["delivery_info"]["routing_key"] == "notifications"
        assert await client.llen("notifications") == 0
    finally:
        await client.aclose()


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
        # Flower imports Celery and Tornado before it listens: seconds on a busy machine.
        deadline = time.monotonic() + 90
        while True:
            try:
                anonymous = await http.get("/")
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    pytest.fail("flower did not start within 90 s")
                await asyncio.sleep(0.2)
        assert anonymous.status_code == 401
        allowed = await http.get("/", auth=("admin", "clave-flower"))
        assert allowed.status_code == 200 and "Flower" in allowed.text


# ---- configuration, enqueue after commit, countdown ---------------------------------------------------


def test_every_routed_or_scheduled_task_exists_and_limits_follow_settings() -> None:
    from app.anexos.procesamiento import PROCESAR_ANEXO
    from app.cargos.service import GENERAR_CARGO
    from app.core import task_queue
    from app.integraciones.service import SINCRONIZAR_INTEGRACION
    from app.notificaciones.service import ALERTA_VENCIDOS, ENVIAR_NOTIFICACION
    from app.ops.warmup import WARMUP_CACHE
    from app.reportes.service import GENERAR_REPORTE

    celery = build_celery(
        Settings(task_time_limit_s=1200, task_short_time_limit_s=120, task_visibility_timeout_s=0)
    )
    conf = celery.conf
    # Redis reads the visibility timeout from the broker options and the result backend's options:
    # both outlast the longest hard limit.
    for place in (conf.broker_transport_options, conf.result_backend_transport_options):
        assert place["visibility_timeout"] == 1200 + 600
    assert conf.broker_transport_options["unacked_restore_throttle"] == 1
    assert conf.task_time_limit == 120 and conf.task_soft_time_limit < 120
    assert task_queue.long_time_limit(Settings(task_time_limit_s=1200)) == (1200, 1170)
    assert conf.task_acks_late and conf.task_reject_on_worker_lost and conf.worker_prefetch_multiplier == 1
    assert conf.task_serializer == "json" and conf.accept_content == ["json"]
    explicit = build_celery(Settings(task_visibility_timeout_s=45)).conf
    assert explicit.broker_transport_options["visibility_timeout"] == 45

    # Every domain's tasks module, found by name (app/<package>/tasks.py), declares its tasks,
    # routes and beat entries when the worker (or the in-process fallback) imports it.
    assert (
        "app.reportes.tasks" in task_queue.task_modules()
        and "app.core.tasks" not in task_queue.task_modules()
    )
    task_queue.get_task_queue().load_tasks()
    registered = task_queue.celery_app.tasks
    report = registered[GENERAR_REPORTE]
    assert (report.time_limit, report.soft_time_limit) == task_queue.long_time_limit()
    assert registered[GENERAR_CARGO].time_limit == get_settings().task_short_time_limit_s  # the default
    scheduled = {entry["task"] for entry in task_queue.celery_app.conf.beat_schedule.values()}
    routed = set(task_queue.ROUTES)
    missing = (scheduled | routed) - set(registered)
    assert not missing, f"no task registered under {missing}"
    assert {WARMUP_CACHE, ALERTA_VENCIDOS} <= scheduled
    mine = {name for name in registered if name.startswith("mesa_partes.")}
    assert mine == routed, "every task is declared through routed()"
    router = task_queue.celery_app.amqp.router
    queues = {name: router.route({}, name)["queue"].name for name in mine}
    assert queues[GENERAR_REPORTE] == "reports"
    assert queues[ENVIAR_NOTIFICACION] == "notifications"
    assert queues[SINCRONIZAR_INTEGRACION] == "integrations"
    assert queues[GENERAR_CARGO] == queues[PROCESAR_ANEXO] == "default"


@pytest.fixture
def broker_down(monkeypatch: pytest.MonkeyPatch) -> TaskQueue:
    """The process's task queue pointed at a closed port: every task runs in-process."""
    from app.core import task_queue

    queue = TaskQueue(build_celery(Settings(celery_broker_url=f"redis://127.0.0.1:{free_port()}/0")))
    monkeypatch.setattr(task_queue, "_queue", queue)
    return queue


async def test_enqueue_after_commit_runs_after_the_commit_and_never_after_a_rollback(
    broker_down: TaskQueue,
) -> None:
    from app.core.database import session_scope
    from app.core.task_queue import enqueue_after_commit

    with pytest.raises(RuntimeError):
        async with session_scope() as session:
            dropped = enqueue_after_commit(session, "mesa_partes.warmup_cache", {})
            raise RuntimeError("the use case failed")
    async with session_scope() as session:
        kept = enqueue_after_commit(session, "mesa_partes.warmup_cache", {})
        assert kept not in broker_down.local_runs  # nothing is sent before the commit
    assert kept in broker_down.local_runs and dropped not in broker_down.local_runs
    result = await asyncio.wrap_future(broker_down.local_runs[kept])
    assert result.successful(), result.traceback
    assert dropped not in broker_down.local_runs


async def test_a_countdown_delays_an_in_process_task(broker_down: TaskQueue) -> None:
    class Started(dict[str, "Future[Any]"]):
        """`local_runs` that also remembers when each run started and its future after it ends (a
        run leaves `local_runs` as soon as it ends: polling for it would race a busy machine)."""

        def __init__(self) -> None:
            super().__init__()
            self.at: dict[str, float] = {}
            self.futures: dict[str, Future[Any]] = {}

        def __setitem__(self, key: str, value: Future[Any]) -> None:
            self.at[key] = time.monotonic()
            self.futures[key] = value
            super().__setitem__(key, value)

    started = Started()
    broker_down.local_runs = started
    enqueued_at = time.monotonic()
    task_id = broker_down.enqueue("mesa_partes.warmup_cache", countdown=1.0)
    assert task_id not in started.at
    deadline = time.monotonic() + 60
    while task_id not in started.at:
        assert time.monotonic() < deadline, "the delayed task never started"
        await asyncio.sleep(0.05)
    assert started.at[task_id] - enqueued_at >= 1.0
    assert (await asyncio.wrap_future(started.futures[task_id])).successful()


async def test_health_names_the_task_mode(client: httpx.AsyncClient, broker_down: TaskQueue) -> None:
    health = (await client.get("/health")).json()
    assert health["checks"]["tasks"] == {"broker": "unreachable", "mode": "in-process"}
    assert health["status"] == "degraded" and health["checks"]["database"] == "ok"


@pytest.mark.needs_redis
async def test_health_says_ok_with_a_broker(client: httpx.AsyncClient) -> None:
    health = (await client.get("/health")).json()
    assert health["checks"]["tasks"] == {"broker": "ok", "mode": "celery"}


def test_a_forked_child_forgets_the_parents_engine() -> None:
    from app.core.database import Database

    database = Database("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    parent_engine = database.engine
    database.forget()
    assert database.engine is not parent_engine


async def test_shutdown_drops_queued_in_process_work_and_keeps_serving_after(broker_down: TaskQueue) -> None:
    broker_down.enqueue("mesa_partes.warmup_cache", countdown=5.0)
    timers = list(broker_down._timers)
    assert len(timers) == 1 and timers[0].is_alive()
    broker_down.shutdown()
    timers[0].join(timeout=1.0)
    assert not timers[0].is_alive()  # cancelled long before it was due: nothing holds the exit
    again = broker_down.enqueue("mesa_partes.warmup_cache")  # a new pool takes work again
    assert (await asyncio.wrap_future(broker_down.local_runs[again])).successful()
