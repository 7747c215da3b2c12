"""Every secondary index serves the query behind its row of docs/indexes.md (the 200,000-row run is
written up in docs/research/index-usage-200k.md).

A scratch database is loaded with 200,000 documents by the bulk seeder (and with reports and
integration deliveries, the tables of features still being built), vacuumed and analyzed; then the
named query of each of the 51 documented indexes (the statement its endpoint runs, built by the
service code, or the insert a unique constraint arbitrates) is EXPLAINed and must name its index.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import NullPool, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from app.core.config import PROJECT_ROOT, get_settings
from app.core.query_optimizer import QueryOptimizer
from app.ops.named_queries import NAMED_QUERIES, muestra
from tests.helpers import run_module, scratch_database, visibilidad_diferencias

pytestmark = pytest.mark.seeded_db
DOCUMENTOS = 200_000

# Realistic volumes for the tables of the planned features (reports, integrations), so that their
# queries are planned on data rather than on empty tables.
PLANNED_FEATURES_SQL = """
INSERT INTO integraciones (codigo, nombre, tipo, url, secreto)
SELECT 'INT' || g, 'Integración ' || g, CASE WHEN g % 2 = 0 THEN 'pide' ELSE 'webhook' END,
       'https://sistema' || g || '.example.pe/recibir', md5(g::text)
FROM generate_series(1, 5) AS g;
INSERT INTO integracion_envios (integracion_id, documento_id, estado, intentos, proximo_intento, entregado_at)
SELECT i.id, d.id,
       CASE WHEN d.id % 300 = 0 THEN 'fallido' WHEN d.id % 320 = 0 THEN 'pendiente' ELSE 'entregado' END,
       1 + (d.id % 3),
       CASE WHEN d.id % 300 = 0 OR d.id % 320 = 0
            THEN now() - interval '5 minutes' + (d.id % 60) * interval '1 minute' END,
       CASE WHEN d.id % 300 <> 0 AND d.id % 320 <> 0 THEN d.fecha_recepcion + interval '2 minutes' END
FROM documentos AS d
JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM integraciones) AS i ON i.n = d.id % 5
WHERE d.id % 3 = 0;
INSERT INTO reportes (tipo, parametros, formato, estado, task_id, solicitado_por_id, created_at, updated_at)
SELECT (ARRAY['documentos','derivaciones','vencidos','estadisticas'])[1 + g % 4], '{}'::jsonb, 'xlsx',
       CASE WHEN g % 2000 = 0 THEN 'pendiente' WHEN g % 2001 = 0 THEN 'procesando'
            WHEN g % 50 = 0 THEN 'error' ELSE 'completado' END,
       md5('tarea' || g), u.id, now() - g * interval '17 minutes', now() - g * interval '17 minutes'
FROM generate_series(1, 20000) AS g
JOIN LATERAL (
    SELECT id FROM usuarios ORDER BY id OFFSET (g % (SELECT count(*) FROM usuarios)) LIMIT 1
) AS u ON true;
"""


def documented_indexes() -> list[str]:
    table = (PROJECT_ROOT / "docs" / "indexes.md").read_text()
    return re.findall(r"^\| \d+ \| `([a-z0-9_]+)` \|", table, re.M)


@pytest.fixture(scope="module")
async def seeded() -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    async with scratch_database() as url:
        env = {"DATABASE_URL": url}
        code, output = await run_module("alembic", "upgrade", "head", env=env, limit_s=180)
        assert code == 0, output
        code, output = await run_module(
            "app.ops.cli", "seed", "--documentos", str(DOCUMENTOS), env={**env, "REDIS_URL": ""}, limit_s=900
        )
        assert code == 0, output
        engine = create_async_engine(
            url, poolclass=NullPool, connect_args={"server_settings": {"timezone": get_settings().timezone}}
        )
        try:
            async with engine.begin() as conn:
                for statement in PLANNED_FEATURES_SQL.split(";"):
                    if statement.strip():
                        await conn.execute(text(statement))
            async with engine.connect() as conn:
                autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
                await autocommit.execute(text("VACUUM (ANALYZE)"))
            yield async_sessionmaker(engine, expire_on_commit=False)
        finally:
            await engine.dispose()


def test_every_documented_index_has_a_named_query() -> None:
    documented = documented_indexes()
    assert len(documented) == 51
    assert sorted(q.index for q in NAMED_QUERIES.values()) == sorted(documented)


async def test_every_index_appears_in_the_plan_of_its_query(
    seeded: async_sessionmaker[AsyncSession],
) -> None:
    by_index = {q.index: q for q in NAMED_QUERIES.values()}
    misses: list[str] = []
    async with seeded() as session:
        sample = await muestra(session)
        for index in documented_indexes():
            query = by_index[index]
            result = await QueryOptimizer().explain_query(session, await query.build(session, sample))
            if index not in result.summary.indexes_used:
                misses.append(
                    f"{index} ({query.name}): plan uses {result.summary.indexes_used}\n{result.text}"
                )
    assert not misses, "\n\n".join(misses)


async def test_bulk_load_fills_the_visibility_table(seeded: async_sessionmaker[AsyncSession]) -> None:
    """The parallel load drops `visibilidad` with the revisions it runs down and refills it when
    it runs them up again (revision 0006): the table equals the rule over the loaded rows."""
    async with seeded() as session:
        connection = await session.connection()
        assert await connection.scalar(text("SELECT count(*) FROM visibilidad")) > DOCUMENTOS
        assert await visibilidad_diferencias(connection) == 0


async def test_reads_run_as_planned_with_analyze(seeded: async_sessionmaker[AsyncSession]) -> None:
    """The list statements really run on their index, quickly enough to be a page and not a scan."""
    async with seeded() as session:
        sample = await muestra(session)
        for name in ("documentos.lista", "documentos.abiertos", "derivaciones.entrada", "historial.reciente"):
            query = NAMED_QUERIES[name]
            result = await QueryOptimizer().explain_query(
                session, await query.build(session, sample), analyze=True
            )
            assert query.index in result.summary.indexes_used, (name, result.text)
            assert result.summary.actual_rows is not None and result.summary.actual_rows <= 21
            assert not result.summary.seq_scans_on_large_tables, (name, result.text)
