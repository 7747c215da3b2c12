"""The bulk loader writes consistent data, by both of its paths, and puts the schema back even
when a load fails; the demo bootstrap runs once."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from app.ops.seed import (
    ALL_ESPECIALISTA_AREAS,
    ensure_staff,
    loader,
    pipeline,
    seed_catalogos,
    seed_documentos,
)
from app.remitentes.identidad import ruc_is_valid
from tests.conftest import World
from tests.estadisticas.test_contadores import assert_contadores_exactos
from tests.helpers import rolled_back, run_module, scratch_database, visibilidad_diferencias

# Loader, cluster and migration mechanics: no cache behaviour, so the Redis-unreachable pass skips it.
pytestmark = pytest.mark.once

UNTIL = datetime(2026, 11, 20, tzinfo=UTC)
LOADED = ("remitentes", "documentos", "derivaciones", "anexos", "historial")
PUBLIC = "connamespace = 'public'::regnamespace"


async def scalar(conn: AsyncConnection, sql: str) -> int:
    return int((await conn.execute(text(sql))).scalar_one())


async def test_bulk_load_is_consistent(world: World) -> None:
    async with rolled_back() as conn:
        await _bulk_load_checks(conn)


async def _bulk_load_checks(conn: AsyncConnection) -> None:
    before = await scalar(conn, "SELECT count(*) FROM documentos")
    await seed_catalogos(conn)
    report = await seed_documentos(
        conn, 2_000, seed=7, until=datetime(2026, 11, 20, tzinfo=UTC), progress=lambda _: None
    )
    assert report.rows["documentos"] == 2_000
    assert await scalar(conn, "SELECT count(*) FROM documentos") == before + 2_000
    nuevos = "SELECT * FROM documentos ORDER BY id DESC LIMIT 2000"
    checks = {
        "without historial": f"""SELECT count(*) FROM ({nuevos}) d
            WHERE NOT EXISTS (SELECT 1 FROM historial h WHERE h.documento_id = d.id)""",
        "duplicate numbers": "SELECT count(*) - count(DISTINCT numero_expediente) FROM documentos",
        "derivado without a pending main routing to its area": f"""SELECT count(*) FROM ({nuevos}) d
            WHERE d.estado = 'derivado' AND NOT EXISTS (
              SELECT 1 FROM derivaciones x WHERE x.documento_id = d.id AND NOT x.es_copia
                AND x.estado = 'pendiente' AND x.area_destino_id = d.area_actual_id)""",
        "estado differs from the last event": f"""SELECT count(*) FROM ({nuevos}) d
            WHERE d.estado <> (SELECT h.estado_nuevo FROM historial h WHERE h.documento_id = d.id
                               AND h.estado_nuevo IS NOT NULL
                               ORDER BY h.created_at DESC, h.id DESC LIMIT 1)""",
        "routing dates going backwards": """SELECT count(*) FROM (
              SELECT fecha_envio < lag(fecha_envio) OVER (PARTITION BY documento_id ORDER BY id) AS back
              FROM derivaciones) t WHERE back""",
        "empty search vector": f"SELECT count(*) FROM ({nuevos}) d WHERE d.busqueda IS NULL",
        "counter behind the numbers": """SELECT count(*) FROM (
              SELECT split_part(numero_expediente, '-', 1)::int AS anio,
                     max(split_part(numero_expediente, '-', 2)::int) AS ultimo
              FROM documentos GROUP BY 1) n
            LEFT JOIN expediente_correlativos c USING (anio) WHERE c.ultimo IS NULL OR c.ultimo < n.ultimo""",
    }
    failures = {name: count for name, sql in checks.items() if (count := await scalar(conn, sql))}
    if differences := await visibilidad_diferencias(conn):  # kept by the triggers during COPY
        failures["visibilidad differs from the rule"] = differences
    assert failures == {}
    rucs = (
        (
            await conn.execute(
                text(
                    "SELECT numero_documento_identidad FROM remitentes WHERE tipo_documento_identidad = 'RUC'"
                )
            )
        )
        .scalars()
        .all()
    )
    assert rucs and all(ruc_is_valid(ruc) for ruc in rucs)
    # A few of them are overdue, as at a real desk.
    assert (
        await scalar(
            conn,
            f"""SELECT count(*) FROM ({nuevos}) d WHERE d.fecha_limite < current_date
        AND d.estado IN ('registrado', 'derivado', 'recibido', 'en_proceso', 'observado')""",
        )
        > 0
    )


async def test_demo_bootstraps_once() -> None:
    """`python -m app.ops.cli demo` on a migrated empty database loads once, then does nothing."""
    async with scratch_database() as url:
        env = {"DATABASE_URL": url, "ADMIN_PASSWORD": "clave-demo-segura"}

        async def cli(*args: str) -> tuple[int, str]:
            return await run_module("app.ops.cli", *args, env=env)

        assert (await cli("migrate"))[0] == 0
        code, first = await cli("demo")
        assert code == 0, first
        assert "demo data loaded" in first and "Log in as admin" in first
        code, second = await cli("demo")
        assert code == 0 and "demo data already present" in second


@asynccontextmanager
async def migrated_scratch() -> AsyncIterator[AsyncEngine]:
    """A new database migrated to head, with the catalogs and the staff, as `seed` starts from."""
    async with scratch_database() as url:
        code, output = await run_module("app.ops.cli", "migrate", env={"DATABASE_URL": url})
        assert code == 0, output
        engine = create_async_engine(url)
        try:
            async with engine.connect() as conn:
                await seed_catalogos(conn)
                await ensure_staff(conn, "clave-de-prueba", areas_especialista=ALL_ESPECIALISTA_AREAS)
                await conn.commit()
            yield engine
        finally:
            await engine.dispose()


async def schema_state(conn: AsyncConnection) -> dict[str, int]:
    return {
        "secondary indexes": await scalar(
            conn,
            "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
            " WHERE c.relnamespace = 'public'::regnamespace AND NOT i.indisprimary",
        ),
        "not valid": await scalar(
            conn, f"SELECT count(*) FROM pg_constraint WHERE {PUBLIC} AND NOT convalidated"
        ),
        "foreign keys": await scalar(
            conn, f"SELECT count(*) FROM pg_constraint WHERE {PUBLIC} AND contype = 'f'"
        ),
        "table options": await scalar(
            conn, f"SELECT count(*) FROM pg_class WHERE relname IN {LOADED} AND reloptions IS NOT NULL"
        ),
    }


async def not_frozen(conn: AsyncConnection, table: str) -> int:
    """Rows of `table` whose xmin is not frozen (HEAP_XMIN_FROZEN: both hint bits of xmin set)."""
    await conn.execute(text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
    return await scalar(
        conn,
        f"SELECT count(*) FROM generate_series(0, pg_relation_size('{table}') / 8192 - 1) AS page,"
        f" heap_page_items(get_raw_page('{table}', page::int))"
        " WHERE lp_flags = 1 AND t_infomask & 768 <> 768",
    )


async def test_parallel_load_freezes_rebuilds_and_appends() -> None:
    """A large load's path, small: worker processes, COPY FREEZE into the empty tables, every index,
    key and trigger back, the derived tables refilled; then a second load appends (no FREEZE), and
    rows of tables that later revisions added stay (the schema is never migrated down)."""
    async with migrated_scratch() as engine:
        async with engine.connect() as conn:
            before = await schema_state(conn)
        load = functools.partial(
            seed_documentos,
            engine,
            progress=lambda _: None,
            until=UNTIL,
            chunk=1_000,
            rebuild_indexes=True,
            processes=2,
        )
        first = await load(3_000, seed=7)
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO notificaciones (clave, destinatario, asunto, estado)"
                    " VALUES ('k', 'a@example.org', 'x', 'pendiente')"
                )
            )
        second = await load(1_000, seed=8)
        for report in (first, second):
            assert report.indexes_rebuilt and report.schema_restored and report.secondary_indexes == 51
        assert first.rows["documentos"] == 3_000 and second.rows["documentos"] == 1_000
        assert first.rows["remitentes"] == 600 and first.rows["historial"] > 3 * 3_000
        async with engine.connect() as conn:
            assert await schema_state(conn) == before
            for table in LOADED:
                count = first.rows[table] + second.rows[table]
                assert await scalar(conn, f"SELECT count(*) FROM {table}") == count, table
                # The first load's rows went in frozen, the second's (into full tables) did not.
                assert await not_frozen(conn, table) == second.rows[table], table
            assert await scalar(conn, "SELECT count(DISTINCT numero_expediente) FROM documentos") == 4_000
            assert await scalar(conn, "SELECT count(*) FROM documentos WHERE busqueda IS NULL") == 0
            assert await visibilidad_diferencias(conn) == 0
            await assert_contadores_exactos(conn)
            assert await scalar(conn, "SELECT count(*) FROM notificaciones") == 1


class Boom(Exception):
    pass


@pytest.mark.parametrize("when", ["before the commits", "after the commits"])
async def test_failed_load_leaves_no_rows_and_the_schema_back(
    monkeypatch: pytest.MonkeyPatch, when: str
) -> None:
    """Whether the COPY fails or something after it, the load's rows go and the schema returns."""
    real: Any = pipeline.load_slices

    async def failing(*args: Any) -> None:
        if when == "before the commits":  # the documentos' COPY fails, the other tables' are rolled back

            async def remitentes_failed() -> None:
                raise Boom

            await real(*args[:-1], remitentes_failed())
        else:  # everything committed
            await real(*args)
        raise Boom

    monkeypatch.setattr(loader, "load_slices", failing)
    async with migrated_scratch() as engine:
        async with engine.connect() as conn:
            before = await schema_state(conn)
        with pytest.raises(Boom):
            await seed_documentos(
                engine, 1_000, seed=7, progress=lambda _: None, rebuild_indexes=True, processes=2, until=UNTIL
            )
        async with engine.connect() as conn:
            assert await schema_state(conn) == before
            for table in LOADED:
                assert await scalar(conn, f"SELECT count(*) FROM {table}") == 0, table
