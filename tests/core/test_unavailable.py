"""When the database cannot serve (its pool is exhausted, it is unreachable, it cancelled or
rolled back the statement), the API answers 503 with `Retry-After` and a Spanish message, never a
500; a database error that is a defect (bad SQL) stays a 500.

A small app with the project's error handlers runs each case against the suite's real PostgreSQL
(or a closed port for "unreachable"), with a pool small enough to run dry at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI, Query
from sqlalchemy import bindparam, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from app.core.config import get_settings
from app.core.database import (
    Prepared,
    build_engine,
    db,
    fetch_prepared,
    fetch_prepared_on,
    new_database,
    resolve_database_url,
    transaction_connection,
)
from app.core.errors import RETRY_AFTER_BUSY_S, RETRY_AFTER_DOWN_S, install_error_handlers
from tests.redis_server import free_port

_SLEEP = Prepared(select(func.pg_sleep(bindparam("segundos"))))
_PID = Prepared(select(func.pg_backend_pid()))


def _engine(url: str) -> AsyncEngine:
    return create_async_engine(
        url, pool_size=1, max_overflow=0, pool_timeout=0.3, connect_args={"timeout": 2}
    )


@pytest.fixture
async def engines() -> AsyncIterator[dict[str, AsyncEngine]]:
    settings = get_settings()
    url = resolve_database_url(settings.database_url, settings.data_dir)
    closed = f"postgresql+asyncpg://nadie:nada@127.0.0.1:{free_port()}/ninguna"
    # Built as the service builds its engine (its connect and error hooks), one connection.
    one = settings.model_copy(update={"db_pool_size": 1, "db_max_overflow": 0, "db_pool_timeout_s": 0.3})
    # A Unix socket that is not there: PostgreSQL restarting (its socket removed) looks like this.
    no_socket = f"postgresql+asyncpg://postgres@/ninguna?host=/nonexistent-{free_port()}"
    made = {
        "real": _engine(url),
        "closed": _engine(closed),
        "built": build_engine(one, url),
        "no_socket": build_engine(one, no_socket),
    }
    yield made
    for engine in made.values():
        await engine.dispose()


@pytest.fixture
async def app_client(engines: dict[str, AsyncEngine]) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/sql/{which}")
    async def run(which: str, sql: list[str] = Query()) -> dict[str, int]:
        async with engines[which].begin() as conn:
            for statement in sql:
                await conn.execute(text(statement))
        return {"ok": 1}

    @app.get("/prepared/sleep")
    async def sleep(segundos: float) -> dict[str, int]:
        """A prepared statement runs through asyncpg directly: its errors are asyncpg's own."""
        async with AsyncSession(engines["real"]) as session:
            await session.execute(text("SET LOCAL statement_timeout = 50"))
            await fetch_prepared(session, _SLEEP, segundos=segundos)
        return {"ok": 1}

    @app.get("/pid/{which}/{how}")
    async def pid(which: str, how: str) -> dict[str, int]:
        """The backend's pid, read by `how`: a prepared read (`fetch_prepared`), a prepared
        statement in the unit of work's transaction (`transaction_connection`), or SQLAlchemy."""
        async with AsyncSession(engines[which]) as session:
            if how == "prepared":
                rows = await fetch_prepared(session, _PID)
            elif how == "transaction":
                rows = await fetch_prepared_on(await transaction_connection(session), _PID)
            else:
                rows = [(await session.execute(select(func.pg_backend_pid()))).one()]
            await session.commit()
        return {"pid": int(rows[0][0])}

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://prueba") as client:
        yield client


def _assert_503(response: httpx.Response, code: str, retry_after_s: int) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == str(retry_after_s)
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json", response.text
    assert problem["code"] == code and problem["status"] == 503 and "intente de nuevo" in problem["detail"]


async def test_a_pool_that_stays_busy_answers_503_busy(
    app_client: httpx.AsyncClient, engines: dict[str, AsyncEngine]
) -> None:
    async with engines["real"].connect():  # the pool's only connection, held past pool_timeout
        response = await app_client.get("/sql/real", params={"sql": "SELECT 1"})
    _assert_503(response, "busy", RETRY_AFTER_BUSY_S)
    assert (await app_client.get("/sql/real", params={"sql": "SELECT 1"})).status_code == 200


async def test_an_unreachable_database_answers_503(app_client: httpx.AsyncClient) -> None:
    _assert_503(
        await app_client.get("/sql/closed", params={"sql": "SELECT 1"}), "unavailable", RETRY_AFTER_DOWN_S
    )


async def test_a_statement_timeout_answers_503(app_client: httpx.AsyncClient) -> None:
    sql = ["SET LOCAL statement_timeout = 50", "SELECT pg_sleep(2)"]
    _assert_503(await app_client.get("/sql/real", params={"sql": sql}), "unavailable", RETRY_AFTER_DOWN_S)


async def test_a_statement_timeout_of_a_prepared_read_answers_503(app_client: httpx.AsyncClient) -> None:
    assert (await app_client.get("/prepared/sleep", params={"segundos": 0})).status_code == 200
    response = await app_client.get("/prepared/sleep", params={"segundos": 2})
    _assert_503(response, "unavailable", RETRY_AFTER_DOWN_S)


async def test_a_deadlock_victim_answers_503(
    app_client: httpx.AsyncClient, engines: dict[str, AsyncEngine]
) -> None:
    """The request takes advisory lock 2 and waits for 1, which the test holds; then the test waits
    for 2. The request waited first, so its deadlock check runs first and PostgreSQL rolls it back."""
    other = create_async_engine(engines["real"].url.render_as_string(hide_password=False))
    try:
        async with other.connect() as conn:
            await conn.execute(text("SELECT pg_advisory_lock(912001)"))
            sql = ["SELECT pg_advisory_xact_lock(912002)", "SELECT pg_advisory_xact_lock(912001)"]
            request = asyncio.create_task(app_client.get("/sql/real", params={"sql": sql}))
            waiting = (
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 912001 AND NOT granted"
            )
            for _ in range(3000):  # up to a minute on a busy machine
                if (await conn.execute(text(waiting))).scalar_one():
                    break
                await asyncio.sleep(0.02)
            await conn.execute(
                text("SELECT pg_advisory_lock(912002)")
            )  # granted once the request is rolled back
            await conn.execute(text("SELECT pg_advisory_unlock_all()"))
            response = await request
    finally:
        await other.dispose()
    _assert_503(response, "unavailable", RETRY_AFTER_DOWN_S)


async def test_a_defect_in_sql_stays_a_500(app_client: httpx.AsyncClient) -> None:
    response = await app_client.get("/sql/real", params={"sql": "SELECT * FROM no_existe_esta_tabla"})
    assert response.status_code == 500
    assert "retry-after" not in response.headers
    problem = response.json()
    assert problem["code"] == "internal_error" and "no_existe_esta_tabla" not in response.text


async def test_a_missing_unix_socket_answers_503(app_client: httpx.AsyncClient) -> None:
    """asyncpg raises the OS error (FileNotFoundError) unwrapped: the engine's connect hook makes it
    a ConnectionError (a restart's window was a 500 before)."""
    for how in ("prepared", "transaction", "sqlalchemy"):
        response = await app_client.get(f"/pid/no_socket/{how}")
        _assert_503(response, "unavailable", RETRY_AFTER_DOWN_S)


@pytest.mark.parametrize("how", ["prepared", "transaction", "sqlalchemy"])
async def test_a_pooled_connection_whose_backend_was_terminated_answers_503_once(
    app_client: httpx.AsyncClient, engines: dict[str, AsyncEngine], how: str
) -> None:
    """The pool's one connection loses its backend while idle (pg_terminate_backend, as a restart
    does to every backend): the next request on it answers 503, and the connection is dropped from
    the pool, so the request after it is served by a new one (before, the dead connection went back
    to the pool after a prepared read, and the adapter's error of `transaction_connection` was a 500)."""
    first = await app_client.get(f"/pid/built/{how}")
    assert first.status_code == 200, first.text
    pid = first.json()["pid"]
    async with engines["real"].connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        for _ in range(500):  # gone from pg_stat_activity: its socket is closed
            still = "SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"
            if not (await conn.execute(text(still), {"pid": pid})).scalar_one():
                break
            await asyncio.sleep(0.02)
    await asyncio.sleep(0.2)  # the client side reads the end of the socket
    _assert_503(await app_client.get(f"/pid/built/{how}"), "unavailable", RETRY_AFTER_DOWN_S)
    again = await app_client.get(f"/pid/built/{how}")
    assert again.status_code == 200, again.text
    assert again.json()["pid"] != pid


def test_requests_wait_less_for_a_pooled_connection_than_tasks() -> None:
    """The API's engine waits DB_POOL_TIMEOUT_S for a connection (then 503 busy); an engine built
    for a task's event loop (`new_database`) waits DB_TASK_POOL_TIMEOUT_S."""
    settings = get_settings()
    assert settings.db_pool_timeout_s <= 5 < settings.db_task_pool_timeout_s
    assert db.engine.pool.timeout() == settings.db_pool_timeout_s  # type: ignore[attr-defined]
    assert new_database().engine.pool.timeout() == settings.db_task_pool_timeout_s  # type: ignore[attr-defined]
