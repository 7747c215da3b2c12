"""GET /livez (no I/O) and GET /readyz (database, cache and broker, each bounded in time): 200 `ok` or
`degraded` while the database answers, 503 `unavailable` naming it when it does not."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from app.core.config import get_settings
from app.core.database import Database, using_database
from tests.conftest import REDIS_DOWN, counted
from tests.redis_server import RedisServer, free_port

CHECKS = {"database", "cache", "broker"}


def assert_shape(body: dict[str, Any]) -> None:
    """The exact shape scripts rely on (verify_optimizations.py --api)."""
    assert set(body) == {"status", "checks"} and set(body["checks"]) == CHECKS
    for check in body["checks"].values():
        assert set(check) == {"ok", "detail"} and isinstance(check["ok"], bool) and check["detail"]


async def test_livez_answers_without_io(client: httpx.AsyncClient) -> None:
    response, stats = await counted(client.get("/livez"))
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert stats.count == 0


async def test_readyz_reports_each_dependency(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert_shape(body)
    assert body["checks"]["database"] == {"ok": True, "detail": "ok"}
    if REDIS_DOWN:  # the second pass: the service serves without its cache and broker
        assert body["status"] == "degraded"
        assert not body["checks"]["cache"]["ok"] and not body["checks"]["broker"]["ok"]
    else:
        assert body == {
            "status": "ok",
            "checks": {name: {"ok": True, "detail": "ok"} for name in CHECKS},
        }


@pytest.mark.needs_redis
async def test_readyz_without_redis_is_degraded_but_ready(
    client: httpx.AsyncClient, suite_redis: RedisServer
) -> None:
    suite_redis.stop()
    response = await client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert_shape(body)
    assert body["status"] == "degraded" and body["checks"]["database"]["ok"]
    assert body["checks"]["cache"] == {"ok": False, "detail": "redis unreachable: in-process LRU serving"}
    assert body["checks"]["broker"] == {"ok": False, "detail": "broker unreachable: tasks run in-process"}


async def test_readyz_without_the_database_is_unavailable(client: httpx.AsyncClient) -> None:
    """An engine on a port nobody listens on, for this request's context (the app's own engine is
    the one every other test uses)."""
    closed = Database(f"postgresql+asyncpg://mesa:clave-secreta@127.0.0.1:{free_port()}/mesa_partes")
    try:
        with using_database(closed):
            response = await client.get("/readyz")
    finally:
        await closed.dispose()
    assert response.status_code == 503
    body = response.json()
    assert_shape(body)
    assert body["status"] == "unavailable" and body["checks"]["database"]["ok"] is False
    assert body["checks"]["database"]["detail"].startswith(("ConnectionRefusedError", "OSError"))
    assert "clave-secreta" not in response.text and "127.0.0.1" not in response.text


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts TCP connections (the kernel's backlog) and never answers a byte: a
    database host that hangs."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield server.getsockname()[1]


@pytest.fixture
def short_timeout() -> Iterator[float]:
    settings = get_settings()
    saved = settings.readyz_check_timeout_s
    settings.readyz_check_timeout_s = 0.5
    try:
        yield 0.5
    finally:
        settings.readyz_check_timeout_s = saved


async def test_readyz_checks_are_bounded_in_time(
    client: httpx.AsyncClient, silent_server: int, short_timeout: float
) -> None:
    hanging = Database(f"postgresql+asyncpg://mesa:x@127.0.0.1:{silent_server}/mesa_partes")
    started = time.perf_counter()
    try:
        with using_database(hanging):
            response = await client.get("/readyz")
    finally:
        await hanging.dispose()
    elapsed = time.perf_counter() - started
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == {"ok": False, "detail": "timed out after 0.5 s"}
    # The checks run concurrently and each stops at its limit (slack for a busy machine).
    assert elapsed < short_timeout + 5
