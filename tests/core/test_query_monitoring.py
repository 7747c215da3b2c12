"""Query monitoring: EXPLAIN through the QueryOptimizer, the slow-query log, per-request accounting
(Server-Timing, X-Query-Count, request id, the >10 statements warning), the index report and the
admin endpoints with their named queries."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text, update

from app.core.config import get_settings
from app.core.database import db
from app.core.query_monitor import (
    RequestContext,
    current_request,
    fingerprint,
    normalize_statement,
    slow_queries,
)
from app.core.query_optimizer import QueryOptimizer
from app.documentos.models import Documento
from app.ops.named_queries import NAMED_QUERIES
from tests.conftest import World, registrar
from tests.helpers import assert_max_queries


@pytest.fixture
def settings_override() -> Any:
    """Change settings for one test (the settings object is shared and read per call)."""
    settings = get_settings()
    saved = settings.model_dump()
    yield settings
    for name in ("slow_query_ms", "query_count_header", "query_count_warn", "slow_query_plan_sample"):
        setattr(settings, name, saved[name])


# ---- EXPLAIN ------------------------------------------------------------------------------------------


async def test_explain_a_select_returns_json_text_and_a_summary(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], world: World
) -> None:
    await registrar(client, tokens["mesa"], world)
    query = select(Documento.id, Documento.asunto).where(Documento.numero_expediente == "2026-000001")
    async with db.sessionmaker() as session:
        result = await QueryOptimizer().explain_query(session, query)
        assert isinstance(result.plan, list) and "Plan" in result.plan[0]
        assert result.summary.total_cost > 0 and result.summary.actual_rows is None
        assert result.text.splitlines()[0].split("  ")[0] in {
            "Index Scan using uq_documentos_numero_expediente on documentos",
            "Index Only Scan using uq_documentos_numero_expediente on documentos",
            "Seq Scan on documentos",
        }
        analyzed = await QueryOptimizer().explain_query(session, query, analyze=True)
        assert analyzed.analyzed and analyzed.summary.actual_time_ms is not None
        assert analyzed.summary.actual_rows is not None
        forced = await QueryOptimizer().explain_query(
            session, "SELECT count(*) FROM documentos WHERE asunto LIKE :a", params={"a": "%x%"}
        )
        assert "documentos" in forced.summary.seq_scans


async def test_explain_analyze_never_changes_data(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], world: World
) -> None:
    documento = await registrar(client, tokens["mesa"], world)
    change = update(Documento).where(Documento.id == documento["id"]).values(asunto="cambiado por EXPLAIN")
    async with db.sessionmaker() as session:
        result = await QueryOptimizer().explain_query(session, change, analyze=True)
        assert result.summary.node_types and "ModifyTable" in result.summary.node_types
        await session.commit()  # even a commit afterwards keeps nothing: the savepoint rolled back
    async with db.sessionmaker() as session:
        asunto = await session.scalar(select(Documento.asunto).where(Documento.id == documento["id"]))
    assert asunto == documento["asunto"]


# ---- slow-query log -------------------------------------------------------------------------------------


def test_fingerprints_ignore_literals_parameters_and_spacing() -> None:
    a = "SELECT * FROM documentos WHERE id = $1 AND estado IN ('registrado', 'derivado')  LIMIT 21"
    b = "SELECT *\n FROM documentos WHERE id = $7 AND estado IN ('observado') LIMIT 101"
    assert fingerprint(a) == fingerprint(b)
    assert normalize_statement(a) == "SELECT * FROM documentos WHERE id = ? AND estado IN (?, ...) LIMIT ?"
    assert fingerprint(a) != fingerprint("SELECT * FROM remitentes WHERE id = $1")


async def test_a_slow_statement_is_logged_aggregated_and_explained(
    client: httpx.AsyncClient,
    tokens: dict[str, dict[str, str]],
    settings_override: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings_override.slow_query_ms = 100
    slow_queries.clear()
    token = current_request.set(RequestContext("req-lento-1", "GET", {"path": "/api/v1/prueba"}))
    try:
        with caplog.at_level(logging.WARNING, logger="app.db"), assert_max_queries(3) as counted_here:
            async with db.sessionmaker() as session:
                for seconds in (0.15, 0.12):
                    await session.execute(text("SELECT pg_sleep(:s)"), {"s": seconds})
                await session.execute(text("SELECT 1"))
            await asyncio.sleep(0.3)  # the background plan capture runs meanwhile
    finally:
        current_request.reset(token)
    assert counted_here.count == 3  # the capture's EXPLAIN is not the caller's statement
    key = fingerprint("SELECT pg_sleep($1::FLOAT)")
    entry = slow_queries.entries.get(key) or next(iter(slow_queries.entries.values()))
    assert entry.count == 2 and entry.max_ms >= 140 and entry.mean_ms >= 110
    assert "pg_sleep" in entry.statement and entry.last_request_id == "req-lento-1"
    assert entry.last_endpoint == "GET /api/v1/prueba"
    assert len(slow_queries.entries) == 1  # SELECT 1 was fast
    logged = [r.getMessage() for r in caplog.records if r.getMessage().startswith("db.slow_query ")]
    assert len(logged) == 2 and f"fingerprint={entry.fingerprint}" in logged[0]
    assert "request_id=req-lento-1" in logged[0]
    for _ in range(100):  # the plan is captured in the background
        if entry.plan is not None:
            break
        await asyncio.sleep(0.02)
    assert entry.plan is not None and entry.plan[0]["Plan"]["Node Type"] == "Result"

    report = (await client.get("/api/v1/admin/slow-queries", headers=tokens["admin"])).json()
    assert report[0]["fingerprint"] == entry.fingerprint and report[0]["count"] == 2
    assert (await client.get("/api/v1/admin/slow-queries", headers=tokens["auditor"])).status_code == 403


async def test_the_slow_log_is_bounded(settings_override: Any) -> None:
    settings_override.slow_query_ms = 0
    settings_override.slow_query_plan_sample = 0
    slow_queries.clear()
    limit = get_settings().slow_query_max_fingerprints
    for i in range(limit + 25):
        slow_queries.observe(f"SELECT * FROM tabla_{i}", (), 0.001)
    assert len(slow_queries.entries) == limit
    assert "tabla_24" not in " ".join(e.statement for e in slow_queries.entries.values())
    slow_queries.clear()


# ---- per-request accounting --------------------------------------------------------------------------------


async def test_every_response_carries_server_timing_and_a_request_id(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], settings_override: Any
) -> None:
    await client.get("/api/v1/auth/me", headers=tokens["admin"])  # the account, cached from here on
    with assert_max_queries(1) as stats:
        response = await client.get("/api/v1/auth/me", headers=tokens["admin"])
    timing = response.headers["server-timing"]
    assert timing.startswith("db;dur=") and "app;dur=" in timing and stats.count == 1
    # No statement count unless enabled: on public endpoints it would tell requests apart.
    assert "queries" not in timing and "x-query-count" not in response.headers
    assert len(response.headers["x-request-id"]) == 32

    settings_override.query_count_header = True
    traced = await client.get(
        "/api/v1/auth/me", headers={**tokens["admin"], "X-Request-ID": "desk-42.retry_1"}
    )
    assert traced.headers["x-query-count"] == "1" and traced.headers["x-request-id"] == "desk-42.retry_1"
    assert 'desc="1 queries"' in traced.headers["server-timing"]
    for forged_id in ("a b\tc", "x" * 65):
        forged = await client.get("/api/v1/auth/me", headers={**tokens["admin"], "X-Request-ID": forged_id})
        assert forged.headers["x-request-id"] != forged_id


async def test_a_request_above_the_statement_threshold_is_logged(
    client: httpx.AsyncClient,
    tokens: dict[str, dict[str, str]],
    world: World,
    settings_override: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="app.db"):
        await client.get("/api/v1/auth/me", headers=tokens["admin"])
        settings_override.query_count_warn = 3
        await registrar(client, tokens["mesa"], world)
    warnings = [r.getMessage() for r in caplog.records if r.getMessage().startswith("db.many_queries")]
    assert len(warnings) == 1 and "endpoint='POST /api/v1/documentos'" in warnings[0]


def test_endpoint_labels_keep_the_template_whatever_the_values() -> None:
    class Route:
        path = "/reportes/{task_id}/archivo"

    scope = {
        "path": "/api/v1/reportes/reportes/archivo",
        "route": Route(),
        "path_params": {"task_id": "reportes"},
    }
    assert RequestContext("r", "GET", scope).endpoint == "GET /api/v1/reportes/{task_id}/archivo"


# ---- index report and named queries ------------------------------------------------------------------------


async def test_index_report(client: httpx.AsyncClient, tokens: dict[str, dict[str, str]]) -> None:
    assert (await client.get("/api/v1/admin/indexes", headers=tokens["mesa"])).status_code == 403
    report = (await client.get("/api/v1/admin/indexes", headers=tokens["admin"])).json()
    names = {row["index"] for row in report["indexes"]}
    assert {"ix_documentos_busqueda", "uq_documentos_numero_expediente"} <= names
    assert report["left_prefix_duplicates"] == []
    assert set(report["unused"]) <= names
    assert {"documentos", "derivaciones"} <= {row["table"] for row in report["tables"]}
    assert 0 < report["cache_hit_ratio"]["heap"] <= 1
    top = report["top_statements"]
    assert isinstance(top, list) and top and {"calls", "total_ms", "query"} <= set(top[0])


async def test_explain_named_queries_only(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], world: World
) -> None:
    await registrar(client, tokens["mesa"], world)
    listed = (await client.get("/api/v1/admin/explain", headers=tokens["admin"])).json()
    assert {q["name"] for q in listed} == set(NAMED_QUERIES)
    for name in NAMED_QUERIES:
        response = await client.get(f"/api/v1/admin/explain/{name}", headers=tokens["admin"])
        assert response.status_code == 200, (name, response.text)
        body = response.json()
        assert body["expected_index"] == NAMED_QUERIES[name].index and body["text"]
    for query in listed:
        analyzed = await client.get(
            f"/api/v1/admin/explain/{query['name']}", params={"analyze": "true"}, headers=tokens["admin"]
        )
        if query["analyzable"]:
            assert analyzed.status_code == 200, (query, analyzed.text)
            assert analyzed.json()["summary"]["actual_time_ms"] is not None
        else:  # an arbiter insert is planned, never run
            assert analyzed.status_code == 422, analyzed.text
            error = analyzed.json()["errors"][0]
            assert (error["location"], error["field"]) == ("query", "analyze")
    assert (await client.get("/api/v1/admin/explain/nada", headers=tokens["admin"])).status_code == 404
    injected = await client.get("/api/v1/admin/explain/x;DROP TABLE documentos", headers=tokens["admin"])
    assert injected.status_code in (404, 422)
    assert (
        await client.get("/api/v1/admin/explain/documentos.lista", headers=tokens["oaj"])
    ).status_code == 403


async def test_a_slow_statement_on_a_task_thread_is_explained_with_that_threads_engine(
    settings_override: Any,
) -> None:
    """A task thread (broker down) has its own loop and engine: the plan capture of its slow
    statement must use them, never the server loop's pool (asyncpg connections belong to the loop
    that opened them; a cross-loop checkout left a transaction open in that pool)."""
    import threading

    from sqlalchemy import event

    from app.core.database import session_scope
    from app.core.task_runtime import run_async

    settings_override.slow_query_ms = 100
    slow_queries.clear()
    main_pool = db.engine.sync_engine.pool
    checkouts: list[str] = []

    def on_checkout(*_: Any) -> None:
        checkouts.append(threading.current_thread().name)

    async def slow_then_wait_for_the_plan() -> Any:
        async with session_scope() as session:
            await session.execute(text("SELECT pg_sleep(0.15) AS hilo_de_tarea"))
        for _ in range(100):
            if not slow_queries._tasks:
                break
            await asyncio.sleep(0.02)
        return next(iter(slow_queries.entries.values())).plan

    event.listen(main_pool, "checkout", on_checkout)
    try:
        thread_result: list[Any] = []
        worker = threading.Thread(
            target=lambda: thread_result.append(run_async(slow_then_wait_for_the_plan)), name="hilo-tarea"
        )
        worker.start()
        await asyncio.to_thread(worker.join, 30)
    finally:
        event.remove(main_pool, "checkout", on_checkout)
    assert thread_result and thread_result[0] is not None  # the plan was captured on the thread
    assert "hilo-tarea" not in checkouts
