"""What the service measures for Prometheus, defined once per process and recorded where it happens:
the request middleware (`app.core.query_monitor`), the connection pool (`app.core.database`), the
task signals (`app.core.task_signals`). `app.core.metrics` exposes them at GET /metrics.

Multiprocess mode: with `PROMETHEUS_MULTIPROC_DIR` in the environment (prometheus-client reads it when
it is first imported, so it must be a real environment variable, not a `.env` entry), every process —
each uvicorn worker, each Celery pool child, the in-process task threads of the API — writes its
samples to files in that directory, and /metrics merges all of them. Counters and histograms add up
over every process that ever wrote since the directory was emptied; the pool gauges are summed over
the live processes (`livesum`: a process removes its gauge file when it ends, `mark_process_dead`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Self

from prometheus_client import Counter, Gauge, Histogram, values
from prometheus_client.metrics import MetricWrapperBase
from prometheus_client.multiprocess import mark_process_dead

# prometheus-client's own decision, taken when it was imported: values in per-process files.
MULTIPROCESS: bool = values.ValueClass is not values.MutexValue


def multiprocess_dir() -> Path | None:
    """The directory every process writes its samples to (multiprocess mode), which must exist."""
    if not MULTIPROCESS:
        return None
    raw = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
    if not raw or not Path(raw).is_dir():
        raise RuntimeError(f"PROMETHEUS_MULTIPROC_DIR={raw!r} is not a directory")
    return Path(raw)


# Checked before the first metric is defined (a gauge without labels writes its file at once): any
# process (API, worker, beat, CLI) stops at start, saying what is wrong.
multiprocess_dir()


class _Histogram(Histogram):
    """A histogram whose labelled children are found by the label values as given, in one dict
    lookup: the request middleware records two observations per request, and prometheus-client's
    `labels()` checks and converts the values under a lock every time (~1 µs each, a tenth of what
    the middleware costs a /livez answer). Children are created, kept and exposed as before."""

    def labels(self, *labelvalues: object, **labelkwargs: object) -> Self:
        if labelkwargs:
            return super().labels(*labelvalues, **labelkwargs)
        children: dict[tuple[object, ...], Self] | None = self.__dict__.get("_children_by_values")
        if children is None:
            children = self.__dict__["_children_by_values"] = {}
        child = children.get(labelvalues)
        if child is None:
            child = children[labelvalues] = super().labels(*labelvalues)
        return child

    def remove(self, *labelvalues: object) -> None:
        self.__dict__.pop("_children_by_values", None)
        super().remove(*labelvalues)

    def clear(self) -> None:
        self.__dict__.pop("_children_by_values", None)
        super().clear()


# The service answers in milliseconds; a report request or an upload may take seconds.
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# Budgets are 4 statements for the list and the detail (tests/test_statement_counts.py); above ~10 is
# the N+1 smell QUERY_COUNT_WARN logs.
_STATEMENT_BUCKETS = (0, 1, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 50, 100)
# Emails and receipts take under a second, reports up to TASK_TIME_LIMIT_S (30 min).
_TASK_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0)

# `registry=None`: not in prometheus-client's global registry; `app.core.metrics` registers them in
# its own (one process) or reads them back from the files (multiprocess).
HTTP_REQUEST_DURATION = _Histogram(
    "mesa_partes_http_request_duration_seconds",
    "Time from the request's arrival to the end of its response, per route template",
    ["method", "endpoint", "status"],
    buckets=_LATENCY_BUCKETS,
    registry=None,
)
HTTP_REQUEST_STATEMENTS = _Histogram(
    "mesa_partes_http_request_statements",
    "SQL statements run by one request, per route template",
    ["method", "endpoint"],
    buckets=_STATEMENT_BUCKETS,
    registry=None,
)
DB_POOL_SIZE = Gauge(
    "mesa_partes_db_pool_size",
    "Configured size of the connection pools of the process (summed over its engines)",
    multiprocess_mode="livesum",
    registry=None,
)
DB_POOL_CHECKED_OUT = Gauge(
    "mesa_partes_db_pool_checked_out",
    "Pooled connections in use",
    multiprocess_mode="livesum",
    registry=None,
)
DB_POOL_OVERFLOW = Gauge(
    "mesa_partes_db_pool_overflow",
    "Connections open beyond the pool size (up to DB_MAX_OVERFLOW)",
    multiprocess_mode="livesum",
    registry=None,
)
DB_POOL_WAITING = Gauge(
    "mesa_partes_db_pool_waiting",
    "Checkouts in progress: callers waiting for a free connection or for a new one to connect",
    multiprocess_mode="livesum",
    registry=None,
)
TASKS = Counter(
    "mesa_partes_tasks",
    "Task runs: state=started when one begins, then its final Celery state (success, failure, retry…)",
    ["task", "state"],
    registry=None,
)
TASK_DURATION = Histogram(
    "mesa_partes_task_duration_seconds",
    "Duration of a task run, per task and final state",
    ["task", "state"],
    buckets=_TASK_BUCKETS,
    registry=None,
)
TASK_FAILURES = Counter(
    "mesa_partes_task_failures",
    "Task runs that raised, per exception type",
    ["task", "exception"],
    registry=None,
)
TASK_RETRIES = Counter(
    "mesa_partes_task_retries", "Task runs that asked Celery for a retry", ["task"], registry=None
)

ALL: tuple[MetricWrapperBase, ...] = (
    HTTP_REQUEST_DURATION,
    HTTP_REQUEST_STATEMENTS,
    DB_POOL_SIZE,
    DB_POOL_CHECKED_OUT,
    DB_POOL_OVERFLOW,
    DB_POOL_WAITING,
    TASKS,
    TASK_DURATION,
    TASK_FAILURES,
    TASK_RETRIES,
)


def process_exit() -> None:
    """At the end of a process in multiprocess mode: its gauges stop counting (their file goes); its
    counters and histograms stay, since a finished process's requests and tasks still happened."""
    directory = multiprocess_dir()
    if directory is not None:
        mark_process_dead(os.getpid(), str(directory))  # type: ignore[no-untyped-call]
