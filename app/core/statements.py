"""Per-context SQL statement accounting: how many statements a request, a task or a test block ran,
and for how long. The engine's events (`app.core.database`) record every statement here; the
request middleware (`app.core.query_monitor`) and the tests read it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field


@dataclass
class StatementStats:
    """SQL statements run in one context (a request, a task, a test block)."""

    count: int = 0
    seconds: float = 0.0
    statements: list[str] = field(default_factory=list)


# Every open accounting block of the current context: a request's and a test's around it both count.
_active_stats: ContextVar[tuple[StatementStats, ...]] = ContextVar("sql_statement_stats", default=())


@contextmanager
def count_statements() -> Iterator[StatementStats]:
    """Count the statements run by the current task (and the tasks it awaits) inside the block."""
    stats = StatementStats()
    token = _active_stats.set((*_active_stats.get(), stats))
    try:
        yield stats
    finally:
        _active_stats.reset(token)


def record_statement(statement: str, seconds: float) -> None:
    """Count one executed statement in every accounting block open in the current context."""
    for stats in _active_stats.get():
        stats.count += 1
        stats.seconds += seconds
        stats.statements.append(statement)
