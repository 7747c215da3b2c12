"""The one log pipeline: JSON lines with the request's context, carried to the tasks the request
enqueues (on the run's Celery worker, and in-process when the broker is away), and no secret in any
line."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import tests.conftest as suite
from app.cargos.service import GENERAR_CARGO
from app.core.config import Settings
from app.core.logging import MASK, configure_logging, formatter, get_logger, log_context, redact
from app.core.task_queue import get_task_queue
from app.notificaciones.service import ENVIAR_NOTIFICACION
from tests.celery_worker import Worker
from tests.conftest import PASSWORD, World, documento_payload
from tests.helpers import Tokens
from tests.redis_server import RedisServer

Lines = Callable[[], list[dict[str, Any]]]
WAIT_S = 90.0


@pytest.fixture
def log_lines() -> Iterator[Lines]:
    """Every line this process logs during the test, as the JSON pipeline renders it."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(formatter("json"))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)


@pytest.fixture(scope="module", autouse=True)
def _json_worker() -> Iterator[None]:
    """The run's worker, started by this module's tests, logs JSON lines (it reads LOG_FORMAT from the
    environment it is started with); the next module's worker starts with the environment as it was."""
    if suite.celery_worker_process is not None:
        suite.celery_worker_process.stop()
    previous = os.environ.get("LOG_FORMAT")
    os.environ["LOG_FORMAT"] = "json"
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("LOG_FORMAT", None)
        else:
            os.environ["LOG_FORMAT"] = previous
        if suite.celery_worker_process is not None:
            suite.celery_worker_process.stop()


def worker_lines(worker: Worker, offset: int) -> list[dict[str, Any]]:
    """The JSON lines the worker wrote after `offset` (its banner and Celery's start-up prints are not)."""
    text = worker.log_path.read_bytes()[offset:].decode(errors="replace")
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


async def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.2)


async def in_process_runs_done() -> None:
    queue = get_task_queue()
    deadline = time.monotonic() + WAIT_S
    while running := list(queue.local_runs.values()):
        assert time.monotonic() < deadline, "in-process tasks still running"
        await asyncio.gather(*(asyncio.wrap_future(future) for future in running))


def finished(lines: list[dict[str, Any]], request_id: str) -> dict[str, dict[str, Any]]:
    """`task.finished` lines of the tasks enqueued by request `request_id`, by task name."""
    return {
        line["task"]: line
        for line in lines
        if line["event"] == "task.finished" and line.get("request_id") == request_id
    }


async def register(client: httpx.AsyncClient, tokens: Tokens, world: World) -> tuple[str, httpx.Response]:
    response = await client.post("/api/v1/documentos", json=documento_payload(world), headers=tokens["mesa"])
    assert response.status_code == 201, response.text
    return response.headers["x-request-id"], response


def assert_request_lines(lines: list[dict[str, Any]], request_id: str, user_id: int) -> None:
    [line] = [
        line for line in lines if line["event"] == "request.finished" and line.get("request_id") == request_id
    ]
    assert line["user_id"] == user_id and line["logger"] == "app.http" and line["level"] == "info"
    assert line["endpoint"] == "/api/v1/documentos" and line["method"] == "POST" and line["status"] == 201
    assert {"timestamp", "duration_ms", "statements"} <= set(line)
    # Nothing of another request: lines logged after it have no request id of their own.
    assert not [other for other in lines if other.get("user_id") == user_id and "request_id" not in other]


async def test_a_request_and_the_tasks_it_enqueues_share_its_request_id(
    client: httpx.AsyncClient, tokens: Tokens, world: World, log_lines: Lines, celery_worker: Worker | None
) -> None:
    """On the run's worker (a separate process reading the id from the message headers), or, with
    Redis unreachable (the second pass), in this process's fallback threads."""
    offset = celery_worker.log_path.stat().st_size if celery_worker is not None else 0
    request_id, _ = await register(client, tokens, world)
    assert_request_lines(log_lines(), request_id, world.users["mesa"])
    if celery_worker is None:
        await in_process_runs_done()
        tasks = finished(log_lines(), request_id)
    else:

        def both_logged() -> bool:
            return len(finished(worker_lines(celery_worker, offset), request_id)) == 2

        await wait_for(both_logged, "the worker's task lines")
        tasks = finished(worker_lines(celery_worker, offset), request_id)
    assert set(tasks) == {GENERAR_CARGO, ENVIAR_NOTIFICACION}
    for name, line in tasks.items():
        assert line["state"] == "success" and line["logger"] == "app.tasks" and name == line["task"], line
        assert len(line["task_id"]) == 32 and line["duration_ms"] >= 0 and line["timestamp"].endswith("Z")


@pytest.mark.needs_redis
async def test_in_process_tasks_carry_the_request_id_when_the_broker_is_down(
    client: httpx.AsyncClient, tokens: Tokens, world: World, log_lines: Lines, suite_redis: RedisServer
) -> None:
    suite_redis.stop()
    request_id, _ = await register(client, tokens, world)
    await in_process_runs_done()
    lines = log_lines()
    assert_request_lines(lines, request_id, world.users["mesa"])
    tasks = finished(lines, request_id)
    assert set(tasks) == {GENERAR_CARGO, ENVIAR_NOTIFICACION}
    # The fallback threads are reused: a later run on them carries no trace of this request.
    assert all(line["state"] == "success" for line in tasks.values())
    task_ids = {line["task_id"] for line in tasks.values()}
    assert all(line.get("request_id") == request_id for line in lines if line.get("task_id") in task_ids)


async def test_no_password_or_token_reaches_a_log_line(
    client: httpx.AsyncClient, world: World, log_lines: Lines
) -> None:
    wrong = "una-clave-equivocada-987"
    for username in ("mesa", "nadie-con-este-nombre"):
        response = await client.post("/api/v1/auth/login", json={"username": username, "password": wrong})
        assert response.status_code == 401
    login = await client.post("/api/v1/auth/login", json={"username": "mesa", "password": PASSWORD})
    token = login.json()["access_token"]
    me = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    forged = token[:-4] + "AAAA"
    rejected = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {forged}"})
    assert rejected.status_code == 401
    lines = log_lines()
    text = "\n".join(json.dumps(line) for line in lines)
    for secret in (wrong, PASSWORD, token, forged, token.split(".")[2], "nadie-con-este-nombre"):
        assert secret not in text
    failures = [line for line in lines if line["event"] == "auth.login_failed"]
    assert [(line["reason"], line["user_id"]) for line in failures] == [
        ("wrong_password", world.users["mesa"]),
        ("unknown_user", None),
    ]
    assert all(line["level"] == "warning" and line["request_id"] for line in failures)
    endpoints = [line["endpoint"] for line in lines if line["event"] == "request.finished"]
    assert endpoints == ["/api/v1/auth/login"] * 3 + ["/api/v1/auth/me"] * 2
    requests = [line for line in lines if line["event"] == "request.finished"]
    # The user id from a successful login on; a failed one or a forged token has none.
    mesa = world.users["mesa"]
    assert [line.get("user_id") for line in requests] == [None, None, mesa, mesa, None]


def test_secrets_are_masked_in_keys_values_and_text(log_lines: Lines) -> None:
    structured = get_logger("app.test")
    stdlib = logging.getLogger("app.test.stdlib")
    jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJlLWZha2U"
    with log_context(request_id="r-1"):
        structured.info(
            "smtp.login",
            smtp_password="hunter2",
            jwt_secret="s3cr3t-jwt",
            headers={"Authorization": f"Bearer {jwt}", "Accept": "application/json"},
            broker="redis://:redis-pass@10.0.0.5:6379/0",
            attempts=[{"token": "tok-123"}, "postgresql+asyncpg://mp:db-pass@db/mesa"],
        )
        stdlib.warning("connect to %s failed", "redis://user:p@ss-word@cache:6379/0")
        stdlib.warning("retry with password=hunter3 and %s", {"api_key": "k-9", "secret": "two words"})
        stdlib.warning("header Authorization: Bearer %s", jwt)
        try:
            raise ConnectionError("redis://:exc-pass@cache:6379/0 refused")
        except ConnectionError:
            stdlib.exception("cache.degraded")
    lines = log_lines()
    text = "\n".join(json.dumps(line) for line in lines)
    for secret in ("hunter2", "s3cr3t-jwt", jwt, "redis-pass", "tok-123", "db-pass", "p@ss-word", "ss-word",
                   "hunter3", "k-9", "two words", "exc-pass"):  # fmt: skip
        assert secret not in text, secret
    first = lines[0]
    assert first["smtp_password"] == first["jwt_secret"] == MASK
    assert first["headers"] == {"Authorization": MASK, "Accept": "application/json"}
    assert first["broker"] == f"redis://:{MASK}@10.0.0.5:6379/0"
    assert first["attempts"] == [{"token": MASK}, f"postgresql+asyncpg://mp:{MASK}@db/mesa"]
    assert lines[1]["event"] == f"connect to redis://user:{MASK}@cache:6379/0 failed"
    assert all(line["request_id"] == "r-1" for line in lines)
    assert "ConnectionError" in lines[-1]["exception"] and "cache:6379" in lines[-1]["exception"]
    # What is not a secret stays readable.
    assert redact("missing bearer token") == "missing bearer token"
    assert redact({"task_id": "abc", "user_id": 3, "url": "https://example.pe/x"}) == {
        "task_id": "abc",
        "user_id": 3,
        "url": "https://example.pe/x",
    }


def test_json_lines_have_the_fields_a_collector_reads(tmp_path: Path) -> None:
    """`LOG_FORMAT=json` as a process configures it: one object per line, first the timestamp, level,
    logger and event, then the context; foreign (stdlib) records alike."""
    path = tmp_path / "out.log"
    try:
        with path.open("w") as stream:
            configure_logging(Settings(log_format="json", log_level="DEBUG"), stream=stream)
            with log_context(request_id="r-2", user_id=5):
                get_logger("app.x").debug("x.happened", n=1)
                logging.getLogger("celery.app.trace").info("Task %s succeeded", "t")
    finally:
        configure_logging()  # back to the run's settings (only the pipeline's own handler is replaced)
    first, second = (json.loads(line) for line in path.read_text().splitlines())
    assert list(first)[:4] == ["timestamp", "level", "logger", "event"]
    assert first | {"timestamp": None} == {
        "timestamp": None, "level": "debug", "logger": "app.x", "event": "x.happened", "n": 1,
        "request_id": "r-2", "user_id": 5,
    }  # fmt: skip
    assert second["event"] == "Task t succeeded" and second["logger"] == "celery.app.trace"
    assert second["level"] == "info" and second["request_id"] == "r-2"
