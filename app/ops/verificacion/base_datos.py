"""The PostgreSQL checks: reachable and migrated without drift, the 51 indexes valid, the document
list planned on its index, pg_stat_statements, the slow-query log, and the list's statement budget."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.config import get_settings
from app.core.database import db
from app.core.query_monitor import slow_queries
from app.core.query_optimizer import QueryOptimizer
from app.core.security import create_access_token
from app.core.statements import count_statements
from app.documentos.models import Documento
from app.ops.named_queries import NAMED_QUERIES, muestra
from app.ops.verificacion.esquema import (
    EXPECTED_SECONDARY_INDEXES,
    expected_secondary_indexes,
    migration_state,
    schema_drift,
    secondary_indexes,
)
from app.ops.verificacion.runner import Check, CheckFailed, Context, Skipped, in_thread
from app.usuarios.models import Rol, Usuario
from app.usuarios.principal import sello_de

DATABASE = "database"
LIST_QUERY = "documentos.lista"
# GET /documentos?page_size=100 with the account behind the token cached: the page with its joined
# tipo, remitente and área (tests/test_statement_counts.py measures the same request).
LIST_STATEMENT_BUDGET = 1
LIST_PATH = "/api/v1/documentos?page_size=100"
_ACCOUNT_LOOKUP = "SELECT usuarios.id, usuarios.rol, usuarios.area_id, usuarios.activo"
# Found in the slow-query log by this comment, which its normalization keeps.
SLOW_MARKER = "verify_optimizations slow_query_log"


def _some(names: list[str], shown: int = 5) -> str:
    """A few names, and how many more: an unmigrated database would otherwise list all 51."""
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def _engine() -> AsyncEngine:
    # With DATABASE_URL unset this starts (or joins) the embedded PostgreSQL under DATA_DIR/pg:
    # blocking, so it runs on a thread of its own.
    return db.engine


async def check_database(context: Context) -> str:
    engine = await in_thread(_engine)
    async with engine.connect() as connection:
        version = await connection.scalar(text("SHOW server_version"))
        context.available.add(DATABASE)
        state = await connection.run_sync(migration_state)
        if not state.at_head:
            current = ", ".join(state.current) or "none"
            raise CheckFailed(
                f"alembic current {current} != head {', '.join(state.heads)}:"
                " run `python -m app.ops.cli migrate`"
            )
        drift = await connection.run_sync(schema_drift)
    if drift:
        raise CheckFailed(
            f"schema drift from the models ({len(drift)} differences), first: {drift[0]!r}"[:300]
        )
    return f"PostgreSQL {version}, alembic at head {', '.join(state.heads)}, no drift from the models"


async def check_indexes(context: Context) -> str:
    async with db.engine.connect() as connection:
        found = await secondary_indexes(connection)
    expected = expected_secondary_indexes()
    names = {index.name for index in found}
    problems = []
    if missing := sorted(expected - names):
        problems.append(f"missing {_some(missing)}")
    if unexpected := sorted(names - expected):
        problems.append(f"not in the models {_some(unexpected)}")
    if invalid := sorted(index.name for index in found if not (index.valid and index.ready)):
        # A failed CREATE INDEX CONCURRENTLY leaves one behind: kept up to date, never used.
        problems.append(f"invalid (REINDEX them) {_some(invalid)}")
    if len(found) != EXPECTED_SECONDARY_INDEXES:
        problems.insert(0, f"{len(found)} secondary indexes, expected {EXPECTED_SECONDARY_INDEXES}")
    if problems:
        raise CheckFailed("; ".join(problems))
    return f"{len(found)} secondary indexes present and valid"


async def check_index_usage(context: Context) -> str:
    query = NAMED_QUERIES[LIST_QUERY]
    settings = get_settings()
    optimizer = QueryOptimizer()
    async with db.sessionmaker() as session:
        try:
            sample = await muestra(session)
        except LookupError:
            raise Skipped(
                "no documents yet, nothing to plan on (`python -m app.ops.cli demo` loads some)"
            ) from None
        statement = await query.build(session, sample)
        plan = await optimizer.explain_query(session, statement)
        if query.index in plan.summary.indexes_used:
            return f"{query.description}: plan uses {query.index} (cost {plan.summary.total_cost:.1f})"
        rows = await session.scalar(
            select(func.count()).select_from(select(Documento.id).limit(settings.large_table_rows).subquery())
        )
        chosen = ", ".join(plan.summary.indexes_used) or "no index"
        if (rows or 0) >= settings.large_table_rows:
            raise CheckFailed(f"plan uses {chosen}, not {query.index}: {plan.text.splitlines()[0]}")
        # A small table is rightly read whole; what can still be proven is that the index serves
        # the statement as written (its order and keyset) once scanning the table is ruled out.
        await session.execute(text("SET LOCAL enable_seqscan = off"))
        forced = await optimizer.explain_query(session, statement)
        await session.rollback()
    if query.index not in forced.summary.indexes_used:
        raise CheckFailed(
            f"{query.index} cannot serve the statement: even without seq scans the plan uses {chosen}"
        )
    return (
        f"{query.description}: {rows} document{'' if rows == 1 else 's'}"
        f" (< LARGE_TABLE_ROWS={settings.large_table_rows}),"
        f" so the planner reads the table whole; without seq scans it uses {query.index}"
    )


async def check_pg_stat_statements(context: Context) -> str:
    async with db.sessionmaker() as session:
        top = await QueryOptimizer().top_statements(session, limit=1)
        schema = await session.scalar(
            text(
                "SELECT extnamespace::regnamespace::text || ' ' || extversion FROM pg_extension"
                " WHERE extname = 'pg_stat_statements'"
            )
        )
    if isinstance(top, dict) and not top.get("available", True):
        raise CheckFailed(str(top.get("reason")))
    where, _, version = str(schema).partition(" ")
    return f"extension {version} in schema {where}, readable"


async def check_slow_query_log(context: Context) -> str:
    settings = get_settings()
    threshold_ms = settings.slow_query_ms
    if threshold_ms <= 0:
        raise CheckFailed("SLOW_QUERY_MS is 0: slow-query logging is off")
    sleep_s = threshold_ms / 1000 + 0.05
    if settings.db_statement_timeout_ms and sleep_s * 1000 >= settings.db_statement_timeout_ms:
        raise CheckFailed(
            f"SLOW_QUERY_MS={threshold_ms:g} is not below DB_STATEMENT_TIMEOUT_MS="
            f"{settings.db_statement_timeout_ms}: no statement can be slow without being cancelled"
        )

    def recorded() -> int:
        return sum(e["count"] for e in slow_queries.report() if SLOW_MARKER in e["statement"])

    before = recorded()
    async with db.engine.connect() as connection:
        await connection.execute(text(f"SELECT pg_sleep(:seconds) /* {SLOW_MARKER} */"), {"seconds": sleep_s})
    if recorded() <= before:
        raise CheckFailed(
            f"a {sleep_s * 1000:.0f} ms statement was not recorded (SLOW_QUERY_MS={threshold_ms:g})"
        )
    return f"SLOW_QUERY_MS={threshold_ms:g}: a {sleep_s * 1000:.0f} ms statement was recorded by the monitor"


async def check_statement_budget(context: Context) -> str:
    # Imported here: the whole application, needed by this check only.
    from app.main import app

    async with db.sessionmaker() as session:
        user = (
            await session.execute(
                select(Usuario.id, Usuario.password_hash, Usuario.version_sesion)
                .where(Usuario.activo)
                .order_by(Usuario.rol != Rol.ADMIN, Usuario.id)
                .limit(1)
            )
        ).first()
    if user is None:
        raise Skipped("no active user yet to sign a token for (`python -m app.ops.cli demo` creates one)")
    token, _ = create_access_token(user.id, sello_de(user.password_hash, user.version_sesion))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://verify.invalid") as http:
        # The first request may read the account behind the token (cached after it).
        await http.get(LIST_PATH, headers={"Authorization": f"Bearer {token}"})
        with count_statements() as stats:
            response = await http.get(LIST_PATH, headers={"Authorization": f"Bearer {token}"})
    if response.status_code != 200:
        raise CheckFailed(f"GET {LIST_PATH}: {response.status_code} {response.text[:200]}")
    # Without Redis the account may not be cached yet between the two requests: that lookup is the
    # redis check's business, not the list's budget.
    page = [s for s in stats.statements if not s.lstrip().startswith(_ACCOUNT_LOOKUP)]
    account = " + the account lookup (cache not serving)" if len(page) < stats.count else ""
    if len(page) > LIST_STATEMENT_BUDGET:
        statements = " | ".join(" ".join(s.split())[:80] for s in page)
        raise CheckFailed(
            f"GET {LIST_PATH} ran {len(page)} statements, budget {LIST_STATEMENT_BUDGET}: {statements}"
        )
    return f"GET {LIST_PATH} ran {len(page)} statements (budget {LIST_STATEMENT_BUDGET}){account}"


CHECKS = (
    # It provides the database as soon as it answers: a drift does not stop the checks after it.
    Check(DATABASE, check_database, timeout_s=60, provides=DATABASE),
    Check("indexes", check_indexes, timeout_s=15, needs=(DATABASE,)),
    Check("index_usage", check_index_usage, timeout_s=30, needs=(DATABASE,)),
    Check("pg_stat_statements", check_pg_stat_statements, timeout_s=10, needs=(DATABASE,)),
    # The statement it runs sleeps just past SLOW_QUERY_MS.
    Check(
        "slow_query_log",
        check_slow_query_log,
        timeout_s=15 + get_settings().slow_query_ms / 1000,
        needs=(DATABASE,),
    ),
    Check("statement_budget", check_statement_budget, timeout_s=30, needs=(DATABASE,)),
)
