"""The schema itself: the 51 secondary indexes and their documentation, no redundant indexes,
models and migrations in step, a reversible migration chain, and what the database enforces
by itself (check constraints, the full-text trigger)."""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import NullPool

import app.models  # noqa: F401 - registers every table on the metadata
from app.core.config import PROJECT_ROOT
from app.core.database import db
from app.core.models import Base
from app.ops.verificacion.esquema import EXPECTED_SECONDARY_INDEXES, expected_secondary_indexes, schema_drift
from tests.helpers import rolled_back, run_module, scratch_database

# Loader, cluster and migration mechanics: no cache behaviour, so the Redis-unreachable pass skips it.
pytestmark = pytest.mark.once

EXPECTED_TABLES = 23  # 0001's 16, 0004's notificaciones, 0005's 5 statistics counters, 0006's visibilidad
INDEXES_DOC = PROJECT_ROOT / "docs" / "indexes.md"

SECONDARY_INDEXES_SQL = text(
    """
    SELECT i.indexname
    FROM pg_indexes AS i
    JOIN pg_namespace AS n ON n.nspname = i.schemaname
    JOIN pg_class AS c ON c.relname = i.indexname AND c.relnamespace = n.oid
    JOIN pg_index AS x ON x.indexrelid = c.oid
    WHERE i.schemaname = 'public' AND NOT x.indisprimary
    ORDER BY i.indexname
    """
)

# One row per key column of every index in `public` (primary keys included: a secondary index
# led by the primary key column would duplicate it too). INCLUDE columns are not key columns.
INDEX_KEYS_SQL = text(
    """
    SELECT ic.relname AS index_name,
           t.relname AS table_name,
           am.amname AS method,
           coalesce(pg_get_expr(x.indpred, x.indrelid, true), '') AS predicate,
           k.n AS position,
           pg_get_indexdef(x.indexrelid, k.n, true) AS key_def,
           opc.opcname AS opclass,
           x.indoption[k.n - 1] AS options
    FROM pg_index AS x
    JOIN pg_class AS ic ON ic.oid = x.indexrelid
    JOIN pg_class AS t ON t.oid = x.indrelid
    JOIN pg_namespace AS n ON n.oid = t.relnamespace
    JOIN pg_am AS am ON am.oid = ic.relam
    CROSS JOIN LATERAL generate_series(1, x.indnkeyatts) AS k(n)
    JOIN pg_opclass AS opc ON opc.oid = x.indclass[k.n - 1]
    WHERE n.nspname = 'public'
    ORDER BY t.relname, ic.relname, k.n
    """
)

PUBLIC_TABLES_SQL = text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")

INDOPTION_DESC = 1
INDOPTION_NULLS_FIRST = 2


# ---- helpers ---------------------------------------------------------------------------------


def documented_index_names() -> list[str]:
    """The backticked names in the `index` column of the table in docs/indexes.md."""
    header: list[str] | None = None
    names: list[str] = []
    for line in INDEXES_DOC.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not stripped.startswith("|"):
            if header is not None and names:
                break  # the end of the index table
            continue
        cells = [cell.strip() for cell in stripped.strip("|").split("|")]
        if header is None:
            if "index" in cells and "#" in cells:
                header = cells
            continue
        if all(re.fullmatch(r":?-{3,}:?", cell) for cell in cells):
            continue  # the separator row
        cell = cells[header.index("index")]
        match = re.fullmatch(r"`([a-z0-9_]+)`", cell)
        assert match, f"docs/indexes.md: the index cell {cell!r} is not one backticked name"
        names.append(match.group(1))
    assert header is not None, "docs/indexes.md has no table with an `index` column"
    return names


async def secondary_index_names(connection: AsyncConnection) -> list[str]:
    return list((await connection.execute(SECONDARY_INDEXES_SQL)).scalars())


async def public_tables(connection: AsyncConnection) -> set[str]:
    return set((await connection.execute(PUBLIC_TABLES_SQL)).scalars())


def _normalized_keys(columns: list[tuple[str, str, int]]) -> tuple[tuple[str, str, int], ...]:
    """Key columns with their direction made relative to the first one: a btree scans both ways,
    so (a DESC, b DESC) orders rows exactly like (a, b)."""
    if not columns:
        return ()
    flip = columns[0][2]
    return tuple((key, opclass, options ^ flip) for key, opclass, options in columns)


async def insert_parents(connection: AsyncConnection) -> dict[str, int]:
    """The rows a documento references, with codes no fixture uses."""
    tag = uuid.uuid4().hex[:8].upper()
    await connection.execute(
        text(
            "INSERT INTO paises (codigo, codigo_alpha3, nombre) VALUES ('ZZ', 'ZZZ', 'Pruebalandia')"
            " ON CONFLICT (codigo) DO NOTHING"
        )
    )
    area_id = (
        await connection.execute(
            text(
                "INSERT INTO areas (codigo, nombre, sigla) VALUES (:c, 'Área de prueba', 'AP') RETURNING id"
            ),
            {"c": f"T{tag}"},
        )
    ).scalar_one()
    tipo_id = (
        await connection.execute(
            text("INSERT INTO tipos_documento (codigo, nombre) VALUES (:c, 'Oficio') RETURNING id"),
            {"c": f"T{tag}"},
        )
    ).scalar_one()
    usuario_id = (
        await connection.execute(
            text(
                "INSERT INTO usuarios (username, email, nombre_completo, password_hash, rol, area_id)"
                " VALUES (:u, :e, 'Usuario de prueba', 'x', 'mesa_partes', :a) RETURNING id"
            ),
            {"u": f"t{tag}", "e": f"t{tag}@example.pe", "a": area_id},
        )
    ).scalar_one()
    remitente_id = (
        await connection.execute(
            text(
                "INSERT INTO remitentes (tipo_persona, tipo_documento_identidad, numero_documento_identidad,"
                " nombre, pais_codigo) VALUES ('natural', 'DNI', :n, 'Josefina Ñahui Cárdenas', 'ZZ')"
                " RETURNING id"
            ),
            {"n": f"{uuid.uuid4().int % 10**8:08d}"},
        )
    ).scalar_one()
    return {"area": area_id, "tipo": tipo_id, "usuario": usuario_id, "remitente": remitente_id}


async def insert_documento(connection: AsyncConnection, parents: dict[str, int], **overrides: Any) -> int:
    values: dict[str, Any] = {
        "numero_expediente": "1999-000001",  # a year no test registers in: no clash with real rows
        "codigo_verificacion": "ABCD2345",
        "tipo_documento_id": parents["tipo"],
        "numero_documento": "OFICIO N° 017-1999",
        "asunto": "Remite expediente para trámite",
        "folios": 2,
        "remitente_id": parents["remitente"],
        "canal": "presencial",
        "prioridad": "normal",
        "estado": "registrado",
        "area_actual_id": parents["area"],
        "registrado_por_id": parents["usuario"],
    }
    values.update(overrides)
    columns = ", ".join(values)
    params = ", ".join(f":{name}" for name in values)
    statement = text(
        f"INSERT INTO documentos ({columns}, fecha_recepcion) VALUES ({params}, now()) RETURNING id"
    )
    return int((await connection.execute(statement, values)).scalar_one())


# ---- indexes ---------------------------------------------------------------------------------


async def test_exactly_51_secondary_indexes() -> None:
    async with db.engine.connect() as connection:
        in_database = await secondary_index_names(connection)
    documented = documented_index_names()

    assert len(in_database) == EXPECTED_SECONDARY_INDEXES, in_database
    assert len(documented) == len(set(documented)), "docs/indexes.md lists an index twice"
    assert len(documented) == EXPECTED_SECONDARY_INDEXES
    missing_from_doc = sorted(set(in_database) - set(documented))
    not_in_database = sorted(set(documented) - set(in_database))
    assert not missing_from_doc and not not_in_database, (
        f"undocumented: {missing_from_doc}; documented but absent: {not_in_database}"
    )
    # What verify_optimizations.py's `indexes` check expects: the names the models declare.
    assert expected_secondary_indexes() == set(documented)


async def test_no_left_prefix_duplicates() -> None:
    async with db.engine.connect() as connection:
        rows = (await connection.execute(INDEX_KEYS_SQL)).mappings().all()

    columns: dict[str, list[tuple[str, str, int]]] = defaultdict(list)
    group_of: dict[str, tuple[str, str, str]] = {}
    for row in rows:
        columns[row["index_name"]].append((row["key_def"], row["opclass"], int(row["options"])))
        group_of[row["index_name"]] = (row["table_name"], row["method"], row["predicate"])
    assert len(columns) >= EXPECTED_SECONDARY_INDEXES + EXPECTED_TABLES  # not vacuous: PKs + secondary

    groups: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for index_name, group in group_of.items():
        groups[group].append(index_name)

    duplicates: list[str] = []
    for (table, method, predicate), names in groups.items():
        keys = {name: _normalized_keys(columns[name]) for name in names}
        for short in names:
            for long in names:
                if short != long and keys[long][: len(keys[short])] == keys[short]:
                    where = f" WHERE {predicate}" if predicate else ""
                    duplicates.append(
                        f"{table} ({method}{where}): {short} {[k[0] for k in keys[short]]} is a left prefix"
                        f" of {long} {[k[0] for k in keys[long]]}"
                    )
    assert not duplicates, "\n".join(sorted(duplicates))


# ---- models vs migrations ----------------------------------------------------------------------


async def test_models_and_migrations_do_not_drift() -> None:
    """The drift check of `verify_optimizations.py` (app/ops/verificacion/esquema.py)."""
    async with db.engine.connect() as connection:
        diff = await connection.run_sync(schema_drift)
    if diff:
        print("\n".join(repr(entry) for entry in diff))
    assert diff == [], f"models and migrations differ: {diff!r}"


# One row per index, constraint and column of a schema, by its catalog definition.
SCHEMA_SNAPSHOT_SQL = text(
    """
    SELECT 'index' AS kind, t.relname::text AS table_name, i.relname::text AS name,
           pg_get_indexdef(i.oid) AS definition
    FROM pg_index AS x
    JOIN pg_class AS i ON i.oid = x.indexrelid
    JOIN pg_class AS t ON t.oid = x.indrelid
    JOIN pg_namespace AS n ON n.oid = t.relnamespace
    WHERE n.nspname = :schema
    UNION ALL
    SELECT 'constraint', t.relname::text, k.conname::text,
           k.contype::text || ' ' || pg_get_constraintdef(k.oid)
    FROM pg_constraint AS k
    JOIN pg_class AS t ON t.oid = k.conrelid
    JOIN pg_namespace AS n ON n.oid = t.relnamespace
    WHERE n.nspname = :schema
    UNION ALL
    SELECT 'column', table_name::text, column_name::text,
           concat_ws(' ', data_type, character_maximum_length, numeric_precision, numeric_scale,
                     is_nullable, column_default, is_identity, identity_generation)
    FROM information_schema.columns
    WHERE table_schema = :schema
    """
)
SCRATCH_SCHEMA = "models_only"


async def _schema_snapshot(connection: AsyncConnection, schema: str) -> dict[tuple[str, str, str], str]:
    rows = (await connection.execute(SCHEMA_SNAPSHOT_SQL, {"schema": schema})).all()
    unqualify = re.compile(rf"\b(?:public|{SCRATCH_SCHEMA})\.")
    return {
        (kind, table, name): unqualify.sub("", definition)
        for kind, table, name, definition in rows
        if table != "alembic_version"
    }


async def test_models_build_the_same_catalog_as_migrations() -> None:
    """What `compare_metadata` does not look at: partial predicates, access methods, operator
    classes, check constraints, server defaults. The models are created with `create_all` in a
    scratch schema (rolled back) and every definition is compared with the migrated `public`."""
    async with rolled_back() as connection:
        await connection.execute(text(f"CREATE SCHEMA {SCRATCH_SCHEMA}"))
        await connection.execute(text(f"SET LOCAL search_path TO {SCRATCH_SCHEMA}, public"))
        await connection.run_sync(lambda sync: Base.metadata.create_all(sync, checkfirst=False))
        from_models = await _schema_snapshot(connection, SCRATCH_SCHEMA)
        from_migrations = await _schema_snapshot(connection, "public")

    assert len(from_models) > EXPECTED_SECONDARY_INDEXES  # not vacuous
    differences = [
        f"{key}: models {from_models.get(key)!r} / migrations {from_migrations.get(key)!r}"
        for key in sorted(from_models.keys() | from_migrations.keys())
        if from_models.get(key) != from_migrations.get(key)
    ]
    assert not differences, "\n".join(differences)


async def _alembic(database_url: str, *args: str) -> None:
    code, output = await run_module("alembic", *args, env={"DATABASE_URL": database_url}, limit_s=180)
    assert code == 0, f"alembic {' '.join(args)} failed:\n{output}"


async def test_downgrade_and_upgrade_roundtrip() -> None:
    """The full chain runs down and up again on a scratch database of the same server."""
    model_tables = set(Base.metadata.tables)
    assert len(model_tables) == EXPECTED_TABLES

    async with scratch_database() as scratch_url:
        engine = create_async_engine(scratch_url, poolclass=NullPool)

        async def state() -> tuple[set[str], list[str]]:
            async with engine.connect() as connection:
                return await public_tables(connection), await secondary_index_names(connection)

        async def assert_head() -> None:
            tables, indexes = await state()
            assert tables == model_tables | {"alembic_version"}
            assert len(indexes) == EXPECTED_SECONDARY_INDEXES, indexes

        try:
            await _alembic(scratch_url, "upgrade", "head")
            await assert_head()

            await _alembic(scratch_url, "downgrade", "base")
            tables, indexes = await state()
            assert tables == {"alembic_version"}
            assert indexes == []

            await _alembic(scratch_url, "upgrade", "head")
            await assert_head()

            await _alembic(scratch_url, "downgrade", "0001")
            tables, indexes = await state()
            # Revisions 0004, 0005 and 0006 add the notification ledger, the statistics counters and
            # the visibility table; every other table is 0001's.
            later = {
                "notificaciones",
                "visibilidad",
                *(t for t in model_tables if t.startswith("estadisticas_")),
            }
            assert tables == (model_tables - later) | {"alembic_version"}
            assert indexes == [], f"revision 0002 should own every secondary index, left: {indexes}"

            await _alembic(scratch_url, "upgrade", "head")
            await assert_head()
        finally:
            await engine.dispose()


# ---- what the database enforces by itself -----------------------------------------------------


@pytest.mark.parametrize(
    ("override", "constraint"),
    [
        ({"folios": 0}, "ck_documentos_folios_positivos"),
        ({"estado": "extraviado"}, "ck_documentos_estado_documento"),
        ({"numero_expediente": "EXP-2026-12"}, "ck_documentos_numero_expediente_formato"),
        ({"numero_expediente": "2026-12345"}, "ck_documentos_numero_expediente_formato"),
    ],
)
async def test_check_constraints_reject_bad_rows(override: dict[str, Any], constraint: str) -> None:
    async with rolled_back() as connection:
        parents = await insert_parents(connection)
        async with connection.begin_nested():  # the valid row goes in: the rejection is the override's
            await insert_documento(connection, parents)
        bad_row = {"numero_expediente": "1999-000002", **override}
        with pytest.raises(DBAPIError) as excinfo:
            async with connection.begin_nested():
                await insert_documento(connection, parents, **bad_row)
        assert constraint in str(excinfo.value.orig)


async def test_busqueda_trigger_fills_vector() -> None:
    async with rolled_back() as connection:
        parents = await insert_parents(connection)
        documento_id = await insert_documento(
            connection, parents, asunto="Solicita copia de la Resolución Directoral sobre licencias"
        )

        async def matches(term: str) -> bool:
            found = await connection.execute(
                text(
                    "SELECT id FROM documentos WHERE id = :id"
                    " AND busqueda @@ websearch_to_tsquery('spanish', unaccent(:term))"
                ),
                {"id": documento_id, "term": term},
            )
            return found.scalar_one_or_none() == documento_id

        assert await matches("resolucion")  # unaccented query, accented asunto
        assert await matches("Resolución directoral")
        assert await matches("cardenas")  # the sender's name, filled from remitentes by the trigger
        assert await matches("Ñahui")
        assert await matches("1999-000001")  # the expediente number
        assert not await matches("contrataciones")

        # The trigger also runs on UPDATE OF asunto: the vector follows the new text.
        await connection.execute(
            text("UPDATE documentos SET asunto = 'Oficio múltiple de coordinación' WHERE id = :id"),
            {"id": documento_id},
        )
        assert not await matches("resolucion")
        assert await matches("coordinacion")
