"""The Celery application and the one facade the service uses to run work in the background.

    celery -A app.core.task_queue worker --loglevel=info
    task_id = get_task_queue().enqueue("mesa_partes.warmup_cache", {})

Delivery is at least once (`acks_late`, `task_reject_on_worker_lost`): a task may run twice, so
tasks are idempotent and keep their durable state in PostgreSQL, not in the result backend. When
the broker cannot be reached, `enqueue` runs the same task in this process on a small thread pool
and returns a task id all the same (logged as `tasks.degraded`).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, NamedTuple

from celery import Celery
from celery.schedules import crontab
from celery.signals import worker_process_init
from kombu import Queue
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.breaker import CircuitBreaker
from app.core.config import Settings, get_settings
from app.core.database import after_commit, db
from app.core.security import stored_secret
from app.core.task_signals import trace_headers

logger = logging.getLogger("app.tasks")

QUEUES = ("default", "reports", "notifications", "integrations")
# The broker's breaker: one failed publish (or reachability check) sends tasks in-process for 5 s.
BROKER_FAILURES_TO_OPEN = 1
BROKER_RETRY_AFTER_S = 5.0

# Filled by `routed` as each domain's tasks module is imported: task name -> queue.
ROUTES: dict[str, str] = {}


def task_modules() -> list[str]:
    """Every `app.<package>.tasks` module: each domain declares its own tasks and beat entries there,
    and the worker, beat and the in-process fallback import them all."""
    root = Path(__file__).resolve().parents[1]
    return sorted(f"{root.name}.{path.parent.name}.tasks" for path in root.glob("*/tasks.py"))


def routed(name: str, queue: str = "default") -> str:
    """Task name `name`, routed to `queue` (by name, so a producer that sends it by name reaches the
    right workers): `@celery_app.task(name=routed(NAME, "reports"))`."""
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}")
    ROUTES[name] = queue
    return name


class TimeLimit(NamedTuple):
    hard: int
    soft: int


def long_time_limit(settings: Settings | None = None) -> TimeLimit:
    """The time limit of long-running work (a report: TASK_TIME_LIMIT_S) instead of the short one
    every other task has (TASK_SHORT_TIME_LIMIT_S, the app's default)."""
    settings = settings or get_settings()
    return TimeLimit(settings.task_time_limit_s, settings.task_time_limit_s - 30)


def periodic(key: str, task_name: str, schedule: float | crontab) -> None:
    """A beat entry: run `task_name` every `schedule` seconds (or on a crontab)."""
    celery_app.conf.beat_schedule[key] = {"task": task_name, "schedule": schedule}


def _route(name: str, *_: Any, **__: Any) -> dict[str, str] | None:
    queue = ROUTES.get(name)
    return {"queue": queue} if queue else None


def visibility_timeout(settings: Settings) -> int:
    """Seconds before Redis hands an unacknowledged task to another worker (its worker died)."""
    longest = max(settings.task_time_limit_s, settings.task_short_time_limit_s)
    return settings.task_visibility_timeout_s or longest + 600


def build_celery(settings: Settings | None = None) -> Celery:
    settings = settings or get_settings()
    broker = settings.celery_broker_url or settings.redis_url or "redis://127.0.0.1:6379/0"
    celery = Celery("mesa_partes", broker=broker, backend=settings.celery_result_backend or broker)
    # Redis redelivers a message not acknowledged within the visibility timeout: it must outlast
    # the longest task, in every place Celery reads it.
    visibility = {"visibility_timeout": visibility_timeout(settings)}
    celery.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        # kombu scans for unacknowledged messages past the visibility timeout every 10 s but, by
        # default, acts on one scan in ten: every scan, so a dead worker's task returns promptly.
        broker_transport_options={
            **visibility,
            "unacked_restore_throttle": 1,
            "socket_timeout": 5,
            "socket_connect_timeout": 0.5,
        },
        result_backend_transport_options={**visibility, "retry_policy": {"max_retries": 0}},
        broker_connection_timeout=0.5,
        task_time_limit=settings.task_short_time_limit_s,
        task_soft_time_limit=settings.task_short_time_limit_s - 15,
        result_expires=settings.task_result_expires_s,
        task_default_queue="default",
        task_queues=[Queue(name) for name in QUEUES],
        task_routes=(_route,),
        beat_schedule={},
        # Every tick writes a heartbeat to Redis (app/core/beat.py), at least every 30 s, so that
        # "beat ticked in the last ~90 s" can be checked without a worker.
        beat_scheduler="app.core.beat:HeartbeatScheduler",
        beat_max_loop_interval=30,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        timezone=settings.timezone,
    )
    # The worker and beat import the task modules at start; they import this module, so not from here.
    celery.conf.imports = task_modules()
    return celery


@worker_process_init.connect
def _forget_parent_connections(**_: Any) -> None:
    """A forked pool child must not share the parent's pooled connections (asyncpg sockets, Redis)."""
    db.forget()


def flower_defaults(settings: Settings | None = None) -> None:
    """Flower reads its options from FLOWER_* variables: bind it to loopback and put it behind
    basic auth from our settings, unless the operator set those variables himself."""
    settings = settings or get_settings()
    password = settings.flower_password.get_secret_value() if settings.flower_password else None
    os.environ.setdefault("FLOWER_ADDRESS", settings.flower_address)
    os.environ.setdefault("FLOWER_PORT", str(settings.flower_port))
    os.environ.setdefault(
        "FLOWER_BASIC_AUTH", f"{settings.flower_user}:{password or stored_secret('.flower_password', 18)}"
    )


celery_app = build_celery()
app = celery_app  # `celery -A app.core.task_queue` finds it by this name
if "flower" in sys.argv:
    flower_defaults()


class TaskQueue:
    def __init__(self, celery: Celery, settings: Settings | None = None) -> None:
        self.celery = celery
        self.settings = settings or get_settings()
        self._local = self._new_pool()
        self._timers: set[threading.Timer] = set()
        self.breaker = CircuitBreaker(BROKER_FAILURES_TO_OPEN, BROKER_RETRY_AFTER_S)
        self.local_runs: dict[str, Future[Any]] = {}
        self._tasks_loaded = False

    def _new_pool(self) -> ThreadPoolExecutor:
        return ThreadPoolExecutor(self.settings.task_local_workers, thread_name_prefix="task")

    def shutdown(self) -> None:
        """At process exit: drop the in-process tasks not started yet and the pending countdowns
        (the interpreter would otherwise wait for all of them); the running ones finish. What is
        dropped stays pending in PostgreSQL for the beat sweeps (README: without a broker)."""
        for timer in list(self._timers):
            timer.cancel()
        dropped = sum(not future.running() and not future.done() for future in self.local_runs.values())
        self._local.shutdown(wait=False, cancel_futures=True)
        self._local = self._new_pool()
        if dropped or self._timers:
            logger.warning("tasks.dropped queued=%d delayed=%d", dropped, len(self._timers))
        self._timers.clear()

    def load_tasks(self) -> None:
        """Import every domain's tasks module once (routes and the in-process fallback need them)."""
        if not self._tasks_loaded:
            self.celery.loader.import_default_modules()
            self._tasks_loaded = True

    @property
    def degraded(self) -> bool:
        """True from a failed publish (or check) until the broker answers a probe again."""
        return self.breaker.is_open

    def broker_reachable(self) -> bool:
        """One connection attempt, bounded by the broker connect timeout (blocking: call it off the
        event loop). A failure also starts the in-process period, as a failed enqueue does; once the
        cool-down is over, a success ends it (this check is then the breaker's probe)."""
        # Always asked, even during the cool-down: /health reports what the broker says now.
        probe = self.breaker.admit() == "probe"
        try:
            with self.celery.connection_for_write() as connection:
                connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=1)
        except (OperationalError, OSError, RedisError):
            self.breaker.failure(probe=probe)
            return False
        except BaseException:
            if probe:
                self.breaker.abandon_probe()
            raise
        self.breaker.success(probe=probe)
        return True

    def enqueue(
        self,
        name: str,
        data: dict[str, Any] | None = None,
        *,
        task_id: str | None = None,
        countdown: float | None = None,
    ) -> str:
        """Send task `name` with keyword arguments `data` (run no sooner than `countdown` seconds)
        and return its id. With the broker down the same task runs here in the background, under
        the same id."""
        task_id = task_id or uuid.uuid4().hex
        kwargs = data or {}
        # The request id travels with the task, on the broker or in-process (app.core.task_signals).
        headers = trace_headers()
        self.load_tasks()
        admission = self.breaker.admit()
        if admission is not None:
            probe = admission == "probe"
            try:
                self.celery.send_task(
                    name, kwargs=kwargs, task_id=task_id, countdown=countdown, retry=False, headers=headers
                )
            # The result backend (same Redis) fails as a RuntimeError after its own retries.
            except (OperationalError, OSError, RedisError, RuntimeError) as exc:
                # Stop trying for a while: each attempt would cost the request a connect timeout.
                self.breaker.failure(probe=probe)
                logger.warning("tasks.degraded task=%s reason=%r: tasks run in-process for now", name, exc)
            except BaseException:
                if probe:
                    self.breaker.abandon_probe()
                raise
            else:
                self.breaker.success(probe=probe)
                return task_id
        task = self.celery.tasks[name]

        def run_locally() -> None:
            future = self._local.submit(task.apply, kwargs=kwargs, task_id=task_id, headers=headers)
            self.local_runs[task_id] = future
            future.add_done_callback(lambda _: self.local_runs.pop(task_id, None))

        if countdown:

            def when_due() -> None:
                self._timers.discard(timer)
                run_locally()

            timer = threading.Timer(countdown, when_due)
            timer.daemon = True
            self._timers.add(timer)
            timer.start()
        else:
            run_locally()
        return task_id


def cancellation_reason(exc: BaseException) -> str | None:
    """The message a task's run was cancelled with (a soft time limit, see app/tasks/runtime.py),
    also when the clean-up after the cancellation raised an error of its own (the cancellation is
    then in its context chain)."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, asyncio.CancelledError) and cause.args:
            return str(cause.args[0])
        cause = cause.__context__
    return None


_queue: TaskQueue | None = None


def get_task_queue() -> TaskQueue:
    global _queue
    if _queue is None:
        _queue = TaskQueue(celery_app)
    return _queue


def enqueue_after_commit(
    session: AsyncSession,
    name: str,
    data: dict[str, Any] | Callable[[], dict[str, Any]],
    *,
    task_id: str | None = None,
) -> str:
    """Enqueue task `name` once the session's unit of work commits (dropped on rollback), so a
    worker never looks for a row that is not committed yet; returns the task id it will have.
    `data` may be a callable, evaluated after the commit (ids assigned at flush)."""
    task_id = task_id or uuid.uuid4().hex

    async def enqueue() -> None:
        # Publishing is a blocking socket write (a connect timeout when the broker is away): off the loop.
        kwargs = data() if callable(data) else data
        await asyncio.to_thread(get_task_queue().enqueue, name, kwargs, task_id=task_id)

    after_commit(session, enqueue)
    return task_id
