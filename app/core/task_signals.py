"""Celery's hooks: the worker and beat log through our pipeline, and every task run — on a worker's
pool child or in the API's in-process fallback (`Task.apply` on a thread, which sends the same
signals) — logs with its context and is measured.

Context of a run: the request id of the request that enqueued it (a message header set by
`TaskQueue.enqueue`; a worker exposes custom headers as attributes of `task.request`, `apply()` keeps
them in `task.request.headers`), the task id and the task name, bound from `task_prerun` to
`task_postrun` so that every line the task writes carries them, and unbound after, as the thread
(a pool child's main thread, a fallback thread) runs other tasks next.

Imported by `app.core.task_queue`, so every process that runs tasks connects these receivers.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from celery.signals import (
    setup_logging,
    task_failure,
    task_postrun,
    task_prerun,
    task_retry,
    worker_process_shutdown,
)

from app.core import instruments
from app.core.config import get_settings
from app.core.logging import configure_logging, current_context, get_logger, replace_context, restore_context

REQUEST_ID_HEADER = "request_id"

log = get_logger("app.tasks")


def trace_headers() -> dict[str, str]:
    """Message headers that carry the current request id to the task being enqueued (none outside a
    request or a task that has one)."""
    request_id = current_context().get("request_id")
    return {REQUEST_ID_HEADER: str(request_id)} if request_id else {}


# ---- logging -------------------------------------------------------------------------------------------


@setup_logging.connect
def _log_through_our_pipeline(loglevel: int | str | None = None, **_: Any) -> None:
    """Worker and beat: with a receiver connected, Celery installs no handler of its own and leaves the
    root logger and stdout alone. The level is the more verbose of LOG_LEVEL and `--loglevel` (Celery
    passes WARNING when the option is absent, which must not silence LOG_LEVEL=INFO)."""
    configured = logging.getLevelNamesMapping().get(get_settings().log_level.upper(), logging.INFO)
    level = min(configured, loglevel if isinstance(loglevel, int) else logging.WARNING)
    # The process's real stderr, fixed now: whatever later replaces sys.stderr (Celery can redirect
    # it to a logger) must not loop our lines back into logging.
    configure_logging(level=level, stream=sys.__stderr__)


@worker_process_shutdown.connect
def _gauges_of_this_child_stop_counting(**_: Any) -> None:
    instruments.process_exit()


# ---- each run ----------------------------------------------------------------------------------------------


@dataclass
class _Run:
    task_id: str
    started: float
    previous_context: dict[str, Any] = field(default_factory=dict)


# Runs in progress on this thread, innermost last (an eager `apply()` inside a task nests).
_runs = threading.local()


def _stack() -> list[_Run]:
    stack: list[_Run] | None = getattr(_runs, "stack", None)
    if stack is None:
        stack = _runs.stack = []
    return stack


def _request_id(request: Any) -> str | None:
    value = getattr(request, REQUEST_ID_HEADER, None)
    if value is None:
        value = (getattr(request, "headers", None) or {}).get(REQUEST_ID_HEADER)
    return str(value) if value else None


def _task_name(task: Any) -> str:
    return str(getattr(task, "name", None) or "unknown")


@task_prerun.connect
def _run_started(task_id: str | None = None, task: Any = None, **_: Any) -> None:
    name = _task_name(task)
    context: dict[str, Any] = {"task_id": task_id, "task": name}
    request_id = _request_id(getattr(task, "request", None))
    if request_id:
        context["request_id"] = request_id
    # A task's context is its own, whatever its thread had bound before (pool children and fallback
    # threads run one task after another).
    previous = replace_context(**context)
    _stack().append(_Run(str(task_id), time.perf_counter(), previous))
    instruments.TASKS.labels(name, "started").inc()
    log.debug("task.started")


@task_postrun.connect
def _run_finished(task_id: str | None = None, task: Any = None, state: str | None = None, **_: Any) -> None:
    name = _task_name(task)
    outcome = (state or "unknown").lower()
    stack = _stack()
    run = stack.pop() if stack and stack[-1].task_id == str(task_id) else None
    seconds = time.perf_counter() - run.started if run else None
    instruments.TASKS.labels(name, outcome).inc()
    if seconds is not None:
        instruments.TASK_DURATION.labels(name, outcome).observe(seconds)
    duration_ms = None if seconds is None else round(seconds * 1000, 1)
    log.info("task.finished", state=outcome, duration_ms=duration_ms)
    restore_context(run.previous_context if run is not None else {})


@task_failure.connect
def _run_failed(sender: Any = None, exception: BaseException | None = None, **_: Any) -> None:
    instruments.TASK_FAILURES.labels(_task_name(sender), type(exception).__name__).inc()


@task_retry.connect
def _run_retried(sender: Any = None, **_: Any) -> None:
    instruments.TASK_RETRIES.labels(_task_name(sender)).inc()
