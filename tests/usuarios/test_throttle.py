"""Throttling of logins (per username, per client address), of writes (per user), and the password
check kept off the event loop. Every test runs in both passes: with Redis up the windows live in
Redis; with Redis unreachable (TEST_REDIS=down) in the process's memory, with the same outcomes.
The client address is the ASGI transport's `client=`, so one test can speak from several addresses."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import httpx
import pytest
from argon2 import PasswordHasher
from redis import Redis
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import get_settings
from app.core.throttle import get_throttle
from app.main import app
from app.usuarios.models import Usuario
from tests.conftest import REDIS_DOWN, World, documento_payload
from tests.helpers import Json, Tokens, error_code, usuario_payload
from tests.redis_server import RedisServer

LOGIN = "/api/v1/auth/login"
Desde = Callable[[str], AbstractAsyncContextManager[httpx.AsyncClient]]


@asynccontextmanager
async def _desde(address: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
def desde() -> Desde:
    """A client whose requests come from `address`."""
    return _desde


@pytest.fixture
async def cuenta(client: httpx.AsyncClient, tokens: Tokens, world: World) -> Json:
    """A fresh account of this test (username and password), so no window is shared between tests."""
    payload = usuario_payload(world, rol="mesa_partes", area_id=world.areas["MP"])
    response = await client.post("/api/v1/usuarios", json=payload, headers=tokens["admin"])
    assert response.status_code == 201, response.text
    return payload


def _limited(response: httpx.Response, window_s: int) -> None:
    assert response.status_code == 429, response.text
    assert error_code(response) == "too_many_requests"
    assert 1 <= int(response.headers["Retry-After"]) <= window_s


async def test_wrong_passwords_for_one_username_get_429_from_any_address(
    monkeypatch: pytest.MonkeyPatch, desde: Desde, cuenta: Json
) -> None:
    monkeypatch.setattr(get_settings(), "login_limit_por_usuario", "3/minute")
    username, password = cuenta["username"], cuenta["password"]
    for i in range(3):  # a distributed guesser: each attempt from another address
        async with desde(f"10.1.0.{i + 1}") as http:
            r = await http.post(LOGIN, json={"username": username, "password": f"adivinanza-{i}"})
            assert r.status_code == 401, r.text
    async with desde("10.1.0.9") as http:
        # Locked: even the right password gets 429 (a 200 would keep answering the guesses).
        _limited(await http.post(LOGIN, json={"username": username, "password": password}), 60)
        # Another username from the same address is not affected.
        other = await http.post(LOGIN, json={"username": f"{username}x", "password": "otra-clave-1"})
        assert other.status_code == 401, other.text


async def test_one_address_is_limited_across_usernames(
    monkeypatch: pytest.MonkeyPatch, desde: Desde, cuenta: Json
) -> None:
    monkeypatch.setattr(get_settings(), "login_limit_por_ip", "3/minute")
    async with desde("10.2.0.1") as http:
        for i in range(3):  # password spraying: one guess for each of many usernames
            r = await http.post(
                LOGIN, json={"username": f"nadie-{i}-{cuenta['username']}", "password": "x1234567"}
            )
            assert r.status_code == 401, r.text
        correcta = {"username": cuenta["username"], "password": cuenta["password"]}
        _limited(await http.post(LOGIN, json=correcta), 60)
    async with desde("10.2.0.2") as http:  # the account itself is not locked
        r = await http.post(LOGIN, json=correcta)
        assert r.status_code == 200, r.text


async def test_the_right_password_works_once_the_window_has_passed(
    monkeypatch: pytest.MonkeyPatch, desde: Desde, cuenta: Json
) -> None:
    monkeypatch.setattr(get_settings(), "login_limit_por_usuario", "2 per 3 seconds")
    correcta = {"username": cuenta["username"], "password": cuenta["password"]}
    async with desde("10.3.0.1") as http:
        for _ in range(2):
            r = await http.post(LOGIN, json={**correcta, "password": "equivocada-1"})
            assert r.status_code == 401, r.text
        limited = await http.post(LOGIN, json=correcta)
        _limited(limited, 3)
        await asyncio.sleep(int(limited.headers["Retry-After"]) + 0.5)
        r = await http.post(LOGIN, json=correcta)
        assert r.status_code == 200, r.text


async def test_writes_are_limited_per_user_when_on(
    monkeypatch: pytest.MonkeyPatch, client: httpx.AsyncClient, tokens: Tokens, world: World, cuenta: Json
) -> None:
    login = await client.post(LOGIN, json={"username": cuenta["username"], "password": cuenta["password"]})
    assert login.status_code == 200, login.text
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    monkeypatch.setattr(get_settings(), "escritura_limit_por_usuario", "2/minute")
    for _ in range(2):
        r = await client.post("/api/v1/documentos", json=documento_payload(world), headers=headers)
        assert r.status_code == 201, r.text
    _limited(await client.post("/api/v1/documentos", json=documento_payload(world), headers=headers), 60)
    # Reads are not counted, and another user's writes have their own window.
    assert (await client.get("/api/v1/documentos?page_size=1", headers=headers)).status_code == 200
    r = await client.post("/api/v1/documentos", json=documento_payload(world), headers=tokens["mesa"])
    assert r.status_code == 201, r.text


async def test_windows_live_in_redis_when_it_answers(
    monkeypatch: pytest.MonkeyPatch, desde: Desde, cuenta: Json
) -> None:
    """The windows are shared by every API process: they are kept in Redis (through redis-py)."""
    if REDIS_DOWN:
        pytest.skip("this pass runs with Redis unreachable")
    monkeypatch.setattr(get_settings(), "login_limit_por_usuario", "5/minute")
    async with desde("10.4.0.1") as http:
        r = await http.post(LOGIN, json={"username": cuenta["username"], "password": "equivocada-1"})
        assert r.status_code == 401
    assert not get_throttle().degraded
    redis = Redis.from_url(os.environ["REDIS_URL"])
    try:
        keys = redis.keys(f"{get_settings().cache_prefix}:throttle:*{cuenta['username']}*")
    finally:
        redis.close()
    assert keys, "no throttle window in Redis"


@pytest.mark.fault
async def test_redis_dying_mid_window_keeps_limiting_from_memory(
    monkeypatch: pytest.MonkeyPatch, desde: Desde, cuenta: Json, suite_redis: RedisServer
) -> None:
    """Redis is killed: every login still gets an answer (401, then 429 from the memory windows),
    none a 5xx."""
    monkeypatch.setattr(get_settings(), "login_limit_por_usuario", "3/minute")
    suite_redis.stop()
    statuses = []
    async with desde("10.5.0.1") as http:
        for _ in range(6):
            r = await http.post(LOGIN, json={"username": cuenta["username"], "password": "equivocada-1"})
            statuses.append(r.status_code)
    assert statuses == [401, 401, 401, 429, 429, 429]
    assert get_throttle().degraded


async def test_a_login_leaves_the_event_loop_serving(
    client: httpx.AsyncClient, session: AsyncSession, cuenta: Json
) -> None:
    """While a password is being verified (a hash made slow on purpose: ~1 s), other requests are
    served: with argon2 on the event loop, none could finish until the login answered (checked)."""
    lento = PasswordHasher(time_cost=20, memory_cost=65536, parallelism=1).hash(cuenta["password"])
    async with session.begin():
        await session.execute(
            update(Usuario).where(Usuario.username == cuenta["username"]).values(password_hash=lento)
        )
    login = asyncio.create_task(
        client.post(LOGIN, json={"username": cuenta["username"], "password": cuenta["password"]})
    )
    served_meanwhile = 0
    while not login.done() and served_meanwhile < 20:
        r = await client.get("/livez")
        assert r.status_code == 200
        served_meanwhile += 0 if login.done() else 1
        await asyncio.sleep(0.01)
    assert (await login).status_code == 200
    assert served_meanwhile >= 20, served_meanwhile
