"""Plain helpers shared by the test modules: type aliases, fresh names, request bodies, and a fingerprint
of every table a write could touch (to prove that a rejected request wrote nothing).

The fixtures built on them (`api`, `own_catalog`, `own_user`) are in `tests/conftest.py`."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection

from app.core.config import PROJECT_ROOT
from app.core.database import StatementStats, count_statements, db

if TYPE_CHECKING:
    from tests.conftest import World

Headers = dict[str, str]
Tokens = dict[str, Headers]
Json = dict[str, Any]
Fingerprint = dict[str, tuple[int, str]]

UNKNOWN_ID = 999_999_999  # an id no row has
TABLES = (
    "documentos",
    "remitentes",
    "historial",
    "derivaciones",
    "expediente_correlativos",
    "anexos",
    "areas",
    "tipos_documento",
    "procedimientos",
    "indicaciones",
    "usuarios",
    "integraciones",
    "integracion_envios",
    "reportes",
)


@contextmanager
def assert_max_queries(limit: int) -> Iterator[StatementStats]:
    """Fail when the block runs more than `limit` SQL statements (listing them)."""
    with count_statements() as stats:
        yield stats
    assert stats.count <= limit, f"{stats.count} statements, budget {limit}:\n" + "\n".join(stats.statements)


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


async def fingerprint() -> Fingerprint:
    """Row count and a hash of the whole content of every table a write could touch."""
    result: Fingerprint = {}
    async with db.engine.connect() as connection:
        for table in TABLES:
            query = (
                "SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
                f"FROM {table} t"
            )
            count, digest = (await connection.execute(text(query))).one()
            result[table] = (int(count), str(digest))
    return result


def changed_tables(before: Fingerprint, after: Fingerprint) -> list[str]:
    return [table for table in TABLES if before[table] != after[table]]


@dataclass
class OwnCatalog:
    """Ids of catalog rows a test module owns (the `own_catalog` fixture), one per catalog, so that
    PATCH attempts never touch the shared reference data, even when one is wrongly accepted."""

    areas: int
    tipos_documento: int
    procedimientos: int
    indicaciones: int


def usuario_payload(world: World, **overrides: Any) -> Json:
    """A valid body for POST /usuarios: a fresh especialista of Logística."""
    username = unique("u_")
    payload: Json = {
        "username": username,
        "email": f"{username}@example.pe",
        "nombre_completo": "Usuario de Prueba",
        "password": "clave-segura-123",
        "rol": "especialista",
        "area_id": world.areas["LOG"],
    }
    payload.update(overrides)
    return payload


def catalog_payload(path: str, world: World) -> Json:
    """A valid body for POST /catalogos/{path}, with a fresh codigo."""
    bodies: dict[str, Json] = {
        "areas": {"codigo": unique("A"), "nombre": "Área nueva", "sigla": "AN"},
        "tipos-documento": {"codigo": unique("T"), "nombre": "Tipo nuevo"},
        "procedimientos": {
            "codigo": unique("P"),
            "nombre": "Procedimiento nuevo",
            "plazo_dias": 5,
            "area_id": world.areas["OAJ"],
        },
        "indicaciones": {"codigo": unique("I"), "nombre": "Indicación nueva"},
    }
    return bodies[path]


@asynccontextmanager
async def rolled_back() -> AsyncIterator[AsyncConnection]:
    """A connection whose whole transaction is rolled back: nothing stays in the shared database."""
    async with db.engine.connect() as connection:
        transaction = await connection.begin()
        try:
            yield connection
        finally:
            await transaction.rollback()


@asynccontextmanager
async def scratch_database() -> AsyncIterator[str]:
    """A new empty database on the test server, dropped afterwards; yields its URL."""
    name = f"scratch_{uuid.uuid4().hex[:12]}"
    url = make_url(os.environ["DATABASE_URL"]).set(database=name).render_as_string(hide_password=False)
    async with db.engine.connect() as admin:
        admin = await admin.execution_options(isolation_level="AUTOCOMMIT")
        await admin.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url
    finally:
        async with db.engine.connect() as admin:
            admin = await admin.execution_options(isolation_level="AUTOCOMMIT")
            await admin.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def run_module(module: str, *args: str, env: dict[str, str], limit_s: float = 300) -> tuple[int, str]:
    """Run `python -m module args` from the project root; returns the exit code and the output."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        module,
        *args,
        cwd=str(PROJECT_ROOT),
        env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=limit_s)
    return process.returncode or 0, output.decode(errors="replace")


# What the `visibilidad` table (revision 0006) holds that the visibility rule does not give, plus
# what the rule gives that it lacks: the rule recomputed from documentos and derivaciones.
VISIBILIDAD_DIFERENCIAS_SQL = """
WITH regla AS (
    SELECT area_actual_id AS area_id, fecha_recepcion, id AS documento_id FROM documentos
    UNION
    SELECT r.area_destino_id, d.fecha_recepcion, d.id
    FROM derivaciones AS r JOIN documentos AS d ON d.id = r.documento_id
)
SELECT count(*) FROM (
    (SELECT * FROM regla EXCEPT SELECT area_id, fecha_recepcion, documento_id FROM visibilidad)
    UNION ALL
    (SELECT area_id, fecha_recepcion, documento_id FROM visibilidad EXCEPT SELECT * FROM regla)
) AS diferencia
"""


async def visibilidad_diferencias(connection: AsyncConnection) -> int:
    """Rows by which `visibilidad` differs from the rule (0 when the triggers kept it)."""
    return int((await connection.execute(text(VISIBILIDAD_DIFERENCIAS_SQL))).scalar_one())


def error_code(response: Any) -> str:
    """The machine-readable `code` of an error response (the problem-details body's `code`)."""
    return str(response.json()["code"])
