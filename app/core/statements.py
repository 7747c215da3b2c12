"""Per-context SQL statement accounting: how many statements a request, a task or a test block ran,
and for how long. The engine's events (`app.core.database`) record every statement here; the
request middleware (`app.core.query_monitor`) and the tests read it.
"""

from __future__ import annotations

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


class count_statements:
    """Count the statements run by the current task (and the tasks it awaits) inside the block. A
    class rather than a generator: every request enters one."""

    __slots__ = ("_stats", "_token")

    def __enter__(self) -> StatementStats:
        self._stats = StatementStats()
        self._token = _active_stats.set((*_active_stats.get(), self._stats))
        return self._stats

    def __exit__(self, *exc_info: object) -> None:
        _active_stats.reset(self._token)


def record_statement(statement: str, seconds: float) -> None:
    """Count one executed statement in every accounting block open in the current context."""
    for stats in _active_stats.get():
        stats.count += 1
        stats.seconds += seconds
        stats.statements.append(statement)
