"""The QueryOptimizer: EXPLAIN of SQLAlchemy statements and text, and the index report.

    optimizer = QueryOptimizer()
    explain = await optimizer.explain_query(session, select(Documento).where(...), analyze=True)
    explain.summary.indexes_used, explain.text, explain.plan

ANALYZE executes the statement, so it always runs inside a savepoint that is rolled back: an
EXPLAIN ANALYZE of an INSERT or UPDATE never changes data.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import Executable, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement

from app.core.config import get_settings
from app.core.query_monitor import slow_queries


class _Explain(Executable, ClauseElement):
    """`EXPLAIN (options) <statement>`, compiled by the dialect so bound parameters stay bound."""

    inherit_cache = False

    def __init__(self, statement: ClauseElement, explain_options: str) -> None:
        self.statement = statement
        self.explain_options = explain_options
        # The compiler reads these off the top-level statement when it compiles an INSERT/UPDATE.
        self._inline = getattr(statement, "_inline", False)


@compiles(_Explain)
def _compile_explain(element: _Explain, compiler: SQLCompiler, **kw: Any) -> str:
    sql = f"EXPLAIN ({element.explain_options}) {compiler.process(element.statement, **kw)}"
    # The plan comes back as rows: the statement must not be executed as the INSERT it wraps
    # (an INSERT without RETURNING is run without fetching any row).
    compiler.isinsert = compiler.isupdate = compiler.isdelete = False
    return sql


@dataclass
class PlanSummary:
    total_cost: float
    estimated_rows: float
    actual_rows: float | None
    actual_time_ms: float | None
    planning_time_ms: float | None
    indexes_used: list[str]
    node_types: list[str]
    seq_scans: list[str]
    seq_scans_on_large_tables: list[str]


@dataclass
class ExplainResult:
    plan: Any  # PostgreSQL's JSON plan: a list with one object holding "Plan"
    text: str
    summary: PlanSummary
    analyzed: bool
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _walk(node: dict[str, Any]) -> list[dict[str, Any]]:
    nodes = [node]
    for child in node.get("Plans", []):
        nodes.extend(_walk(child))
    return nodes


def summarize(plan: Any, table_rows: dict[str, float], large_rows: int) -> PlanSummary:
    root = plan[0]
    top = root["Plan"]
    nodes = _walk(top)
    indexes: list[str] = []
    for node in nodes:
        name = node.get("Index Name")
        if name and name not in indexes:
            indexes.append(name)
    for name in root.get("Conflict Arbiter Indexes", []) + top.get("Conflict Arbiter Indexes", []):
        if name not in indexes:
            indexes.append(name)
    seq = [node["Relation Name"] for node in nodes if node.get("Node Type") == "Seq Scan"]
    return PlanSummary(
        total_cost=top.get("Total Cost", 0.0),
        estimated_rows=top.get("Plan Rows", 0.0),
        actual_rows=top.get("Actual Rows"),
        actual_time_ms=top.get("Actual Total Time"),
        planning_time_ms=root.get("Planning Time"),
        indexes_used=indexes,
        node_types=sorted({node["Node Type"] for node in nodes}),
        seq_scans=sorted(set(seq)),
        seq_scans_on_large_tables=sorted({t for t in seq if table_rows.get(t, 0) >= large_rows}),
    )


class QueryOptimizer:
    async def explain_query(
        self,
        db: AsyncSession | AsyncConnection,
        query: Executable | str,
        *,
        analyze: bool = False,
        params: dict[str, Any] | None = None,
    ) -> ExplainResult:
        """The plan of `query` (a `select()`/`insert()`/... or SQL text) as JSON and text, with a
        summary. `analyze=True` runs it, inside a savepoint that is always rolled back."""
        statement: ClauseElement = text(query) if isinstance(query, str) else query  # type: ignore[assignment]
        options = "ANALYZE, BUFFERS, FORMAT JSON" if analyze else "FORMAT JSON"
        savepoint = await db.begin_nested()
        try:
            json_plan = (await db.execute(_Explain(statement, options), params or {})).scalar_one()
            tables = {
                name: rows
                for name, rows in (
                    await db.execute(
                        text(
                            "SELECT relname, reltuples FROM pg_class "
                            "WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'"
                        )
                    )
                ).all()
            }
        finally:
            await savepoint.rollback()
        text_plan = "\n".join(_render(json_plan[0]["Plan"]))
        summary = summarize(json_plan, tables, get_settings().large_table_rows)
        warnings = [f"sequential scan on large table {t}" for t in summary.seq_scans_on_large_tables]
        return ExplainResult(json_plan, text_plan, summary, analyze, warnings)

    async def index_report(self, db: AsyncSession | AsyncConnection) -> dict[str, Any]:
        """Index usage, unused and left-prefix duplicate indexes, scans per table, cache hit
        ratio, and the top statements of `pg_stat_statements` when it is available."""
        indexes = [
            dict(row._mapping)
            for row in await db.execute(
                text(
                    """
                    SELECT s.relname AS table, s.indexrelname AS index, s.idx_scan AS scans,
                           s.idx_tup_read AS tuples_read, pg_relation_size(s.indexrelid) AS bytes,
                           x.indisunique AS is_unique, x.indisprimary AS is_primary
                    FROM pg_stat_user_indexes AS s JOIN pg_index AS x ON x.indexrelid = s.indexrelid
                    WHERE s.schemaname = 'public'
                    ORDER BY s.idx_scan, s.relname, s.indexrelname
                    """
                )
            )
        ]
        duplicates = [
            dict(row._mapping)
            for row in await db.execute(
                text(
                    """
                    SELECT a.indrelid::regclass::text AS table,
                           a.indexrelid::regclass::text AS index,
                           b.indexrelid::regclass::text AS covered_by
                    FROM pg_index AS a
                    JOIN pg_index AS b ON a.indrelid = b.indrelid AND a.indexrelid <> b.indexrelid
                    JOIN pg_class AS ca ON ca.oid = a.indexrelid
                    JOIN pg_class AS cb ON cb.oid = b.indexrelid
                    WHERE ca.relnamespace = 'public'::regnamespace
                      AND ca.relam = cb.relam
                      AND NOT a.indisprimary AND NOT a.indisunique
                      AND a.indnkeyatts <= b.indnkeyatts
                      AND (a.indkey::int2[])[0:a.indnkeyatts - 1] = (b.indkey::int2[])[0:a.indnkeyatts - 1]
                      AND (a.indclass::oid[])[0:a.indnkeyatts - 1] = (b.indclass::oid[])[0:a.indnkeyatts - 1]
                      AND coalesce(pg_get_expr(a.indpred, a.indrelid), '')
                          = coalesce(pg_get_expr(b.indpred, b.indrelid), '')
                      AND coalesce(pg_get_expr(a.indexprs, a.indrelid), '')
                          = coalesce(pg_get_expr(b.indexprs, b.indrelid), '')
                      AND (a.indnkeyatts < b.indnkeyatts OR a.indexrelid > b.indexrelid)
                    ORDER BY 1, 2
                    """
                )
            )
        ]
        tables = [
            dict(row._mapping)
            for row in await db.execute(
                text(
                    """
                    SELECT relname AS table, seq_scan, seq_tup_read, idx_scan, n_live_tup AS live_rows
                    FROM pg_stat_user_tables WHERE schemaname = 'public' ORDER BY seq_tup_read DESC
                    """
                )
            )
        ]
        hit = (
            await db.execute(
                text(
                    """
                    SELECT sum(heap_blks_hit)::float8 / nullif(sum(heap_blks_hit + heap_blks_read), 0),
                           sum(idx_blks_hit)::float8 / nullif(sum(idx_blks_hit + idx_blks_read), 0)
                    FROM pg_statio_user_tables WHERE schemaname = 'public'
                    """
                )
            )
        ).one()
        return {
            "indexes": indexes,
            "unused": [
                i["index"] for i in indexes if i["scans"] == 0 and not i["is_unique"] and not i["is_primary"]
            ],
            "left_prefix_duplicates": duplicates,
            "tables": tables,
            "cache_hit_ratio": {"heap": hit[0], "index": hit[1]},
            "top_statements": await self.top_statements(db),
            "slow_statements": slow_queries.report()[:20],
        }

    async def top_statements(self, db: AsyncSession | AsyncConnection, limit: int = 20) -> Any:
        """The statements with the most total time, or why they are not available."""
        schema = (
            await db.execute(
                text(
                    "SELECT extnamespace::regnamespace::text FROM pg_extension "
                    "WHERE extname = 'pg_stat_statements'"
                )
            )
        ).scalar()
        if schema is None:
            return {"available": False, "reason": "the pg_stat_statements extension is not installed"}
        savepoint = await db.begin_nested()
        try:
            rows = await db.execute(
                text(
                    f"""
                    SELECT queryid::text AS queryid, calls, round(total_exec_time::numeric, 2) AS total_ms,
                           round(mean_exec_time::numeric, 3) AS mean_ms, rows, left(query, 500) AS query
                    FROM {schema}.pg_stat_statements
                    WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
                    ORDER BY total_exec_time DESC LIMIT :limit
                    """
                ),
                {"limit": limit},
            )
            result: Any = [dict(row._mapping) for row in rows]
            await savepoint.commit()
        except DBAPIError as exc:
            await savepoint.rollback()
            result = {"available": False, "reason": str(exc.orig).splitlines()[0] if exc.orig else str(exc)}
        return result


def _render(node: dict[str, Any], depth: int = 0) -> list[str]:
    """A compact text form of the JSON plan (one EXPLAIN run gives both forms)."""
    label = node["Node Type"]
    if "Index Name" in node:
        label += f" using {node['Index Name']}"
    if "Relation Name" in node:
        label += f" on {node['Relation Name']}"
    cost = f"cost={node.get('Startup Cost', 0):.2f}..{node.get('Total Cost', 0):.2f}"
    line = f"{'  ' * depth}{'-> ' if depth else ''}{label}  ({cost} rows={node.get('Plan Rows', 0):.0f})"
    if "Actual Total Time" in node:
        actual = f"actual time={node['Actual Total Time']:.3f} ms rows={node.get('Actual Rows', 0):.0f}"
        line += f" ({actual} loops={node.get('Actual Loops', 1)})"
    lines = [line]
    for key in ("Index Cond", "Recheck Cond", "Filter", "Hash Cond", "Join Filter", "Sort Key"):
        if key in node:
            lines.append(f"{'  ' * (depth + 1)}{key}: {node[key]}")
    for child in node.get("Plans", []):
        lines.extend(_render(child, depth + 1))
    return lines
