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
import base64
import logging
import os
import sys
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, NamedTuple
from weakref import WeakKeyDictionary

from celery import Celery
from celery.app.task import extract_exec_options  # type: ignore[attr-defined]  # not in the stubs
from celery.schedules import crontab
from celery.signals import worker_process_init
from kombu import Queue
from kombu.exceptions import OperationalError
from kombu.serialization import dumps as kombu_dumps
from kombu.utils.json import dumps as json_dumps
from redis.asyncio import Redis as AsyncRedis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.breaker import CircuitBreaker
from app.core.config import Settings, get_settings
from app.core.database import after_commit_batch, db
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
        # Per task name: its publishing options (None: `send_task` sends it) and its time limits.
        self._routes: dict[str, tuple[dict[str, Any] | None, tuple[Any, Any]]] = {}
        # The event loop's own client of a Redis broker (`enqueue_many_async`), per loop.
        self._clients: WeakKeyDictionary[asyncio.AbstractEventLoop, AsyncRedis] = WeakKeyDictionary()
        self._plain_url: str | None = None  # the broker's URL when `_push` may use it, else ""

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
        probe = self.breaker.admit() == "probe"  # asked even in the cool-down: /health wants it now

        def connect() -> None:
            with self.celery.connection_for_write() as connection:
                connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=1)

        return self._attempt(probe, connect, (OperationalError, OSError, RedisError)) is None

    def _attempt(self, probe: bool, action: Callable[[], None], errors: tuple[type[Exception], ...]) -> Any:
        """Run `action` and tell the breaker how it went; the error among `errors` it raised, if any."""
        try:
            action()
        except errors as exc:
            self.breaker.failure(probe=probe)
            return exc
        except BaseException:
            if probe:
                self.breaker.abandon_probe()
            raise
        self.breaker.success(probe=probe)
        return None

    def _guarded(self, what: str, publish: Callable[[], None]) -> bool:
        """Run `publish` unless the broker's breaker is open; False when nothing was published
        (the breaker open, or the publish failed and opened it): the caller runs it in-process."""
        admission = self.breaker.admit()
        if admission is None:
            return False
        # The result backend (same Redis) fails as a RuntimeError after its own retries.
        errors = (OperationalError, OSError, RedisError, RuntimeError)
        exc = self._attempt(admission == "probe", publish, errors)
        if exc is not None:
            # Stop trying for a while: each attempt would cost the request a connect timeout.
            logger.warning("tasks.degraded %s reason=%r: tasks run in-process for now", what, exc)
            return False
        return True

    def _message(self, name: str, kwargs: dict[str, Any], task_id: str, countdown: float | None) -> Any:
        """Task `name`'s message and publishing options as `send_task` builds them, or None where
        `send_task` must send it: in a worker's task (linked to its parent), a task with `expires`."""
        celery = self.celery
        if celery.current_worker_task is not None:
            return None
        routed = self._routes.get(name)
        if routed is None:
            task: Any = celery.tasks.get(name)
            # The task's declared options (queue, time limits...) under its route, as `send_task`
            # merges them. Kept per name: the route depends on the name alone (`_route`).
            options = {k: v for k, v in (extract_exec_options(task) if task else {}).items() if v is not None}
            limits = options.pop("time_limit", None), options.pop("soft_time_limit", None)
            routed = self._routes[name] = (
                None if "expires" in options else celery.amqp.router.route(options, name, (), {}, task),
                limits,
            )
        publishing, (time_limit, soft_time_limit) = routed
        if publishing is None:
            return None
        amqp = celery.amqp
        message = amqp.create_task_message(
            task_id, name, (), kwargs, countdown, None, None, None, None, 0, None, None, None,
            celery.thread_oid, time_limit, soft_time_limit, celery.conf.task_send_sent_event,
            argsrepr="()", kwargsrepr=repr(kwargs)[: amqp.kwargsrepr_maxsize], **publishing,
        )  # fmt: skip
        return message, publishing

    def _publish(self, messages: list[tuple[str, Any, Any]], headers: dict[str, Any]) -> None:
        """Publish (name, message, options) as `send_task` would, in one pipeline (kombu's batch),
        minus what only a producer waiting for the result needs: a subscription to its channel and
        an unsubscription (two Redis commands a task), `saferepr` of the arguments.
        `AsyncResult(task_id).get()` still works: it subscribes and reads the stored result."""
        celery, amqp = self.celery, self.celery.amqp
        with celery.producer_or_acquire() as producer:
            connection = producer.connection
            if not connection.connected:
                # One attempt, as `broker_reachable`: kombu's channel set-up retries for seconds
                # (`send_task` failed first, on the result backend's subscription: no retries).
                connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=1)
            with producer.batch():
                for name, message, options in messages:
                    amqp.send_task_message(producer, name, message, retry=False, headers=headers, **options)

    def enqueue_many(self, tasks: list[tuple[str, dict[str, Any], str]]) -> None:
        """`enqueue` each (name, kwargs, task id), in one broker round trip; if that fails, each runs
        in-process as `enqueue` says (a task may then run twice: delivery is at least once)."""
        self.load_tasks()
        headers = trace_headers()
        built = [(name, self._message(name, kwargs, task_id, None)) for name, kwargs, task_id in tasks]
        if all(message is not None for _, message in built) and self._guarded(
            f"tasks={len(tasks)}",
            lambda: self._publish([(name, *message) for name, message in built], headers),
        ):
            return
        for name, kwargs, task_id in tasks:
            self.enqueue(name, kwargs, task_id=task_id)

    async def enqueue_many_async(self, tasks: list[tuple[str, dict[str, Any], str]]) -> None:
        """`enqueue_many` from the API's event loop: on a Redis broker, Celery's messages pushed as
        kombu's transport pushes them (`_envelope`) by the loop's own client, in one pipeline (no
        thread hop, no kombu producer); otherwise, or if that fails, `enqueue_many` in a thread."""
        if not await self._push(tasks):
            await asyncio.to_thread(self.enqueue_many, tasks)

    def _client(self) -> AsyncRedis | None:
        # The plain case only (one Redis, no key prefix, no sent events, no compression), on the
        # main thread's loop (a task run in-process has a loop of its own per thread).
        if self._plain_url is None:
            conf = self.celery.conf
            url = str(conf.broker_url or "")
            options = conf.broker_transport_options or {}
            plain = url.startswith("redis://") and ";" not in url and not options.get("global_keyprefix")
            self._plain_url = (
                url if plain and not (conf.task_send_sent_event or conf.task_compression) else ""
            )
        if not self._plain_url or threading.current_thread() is not threading.main_thread():
            return None
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            client = self._clients[loop] = AsyncRedis.from_url(
                self._plain_url,
                socket_connect_timeout=self.celery.conf.broker_connection_timeout,
                socket_timeout=5,
                retry=Retry(NoBackoff(), 0),  # the breaker does the retrying
            )
        return client

    async def _push(self, tasks: list[tuple[str, dict[str, Any], str]]) -> bool:
        """True when every task of `tasks` was pushed to the broker by `_client`."""
        if (client := self._client()) is None:
            return False
        self.load_tasks()
        built = [self._message(name, kwargs, task_id, None) for name, kwargs, task_id in tasks]
        if (
            not all(b is not None and _direct(b[1]) for b in built)
            or (admission := self.breaker.admit()) is None
        ):
            return False
        probe, headers = admission == "probe", trace_headers()
        pipe = client.pipeline(transaction=False)
        for message, options in built:
            pipe.lpush(*_envelope(message, options, headers))
        try:
            await pipe.execute()
        except (TimeoutError, RedisError, OSError) as exc:
            self.breaker.failure(probe=probe)
            logger.warning("tasks.degraded tasks=%d reason=%r: tasks run in-process for now", len(tasks), exc)
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

        def publish() -> None:
            built = self._message(name, kwargs, task_id, countdown)
            if built is None:
                self.celery.send_task(
                    name, kwargs=kwargs, task_id=task_id, countdown=countdown, retry=False, headers=headers
                )
            else:
                self._publish([(name, *built)], headers)

        if self._guarded(f"task={name}", publish):
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


def _direct(options: dict[str, Any]) -> bool:
    """Whether these options send a message by the default exchange, the case `_envelope` writes."""
    queue = options.get("queue")
    plain = set(options) <= {"queue", "serializer"} and options.get("serializer", "json") == "json"
    return plain and isinstance(queue, Queue) and queue.exchange.type == "direct"


def _envelope(message: Any, options: dict[str, Any], headers: dict[str, Any]) -> tuple[str, str]:
    """The list and the JSON that kombu's Redis transport pushes for Celery's `message` sent by the
    default exchange (virtual/base.py `basic_publish`, redis.py `_put`; priority 0: the queue's own
    list). tests/core/test_task_queue.py compares it with what kombu pushes."""
    task_headers, properties, body, _sent_event = message
    task_headers.update(headers)
    queue: str = options["queue"].name
    content_type, encoding, data = kombu_dumps(body, serializer="json")
    raw = data if isinstance(data, bytes) else data.encode(encoding)
    envelope = {
        "body": base64.b64encode(raw).decode("ascii"),
        "content-encoding": encoding,
        "content-type": content_type,
        "headers": task_headers,
        "properties": {
            **properties,
            "delivery_mode": 2,  # persistent, the default exchange's
            "delivery_info": {"exchange": "", "routing_key": queue},
            "priority": 0,
            "body_encoding": "base64",
            "delivery_tag": str(uuid.uuid4()),
        },
    }
    return queue, json_dumps(envelope)


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


_PENDING_TASKS = "task_queue.pending"
Pending = tuple[str, dict[str, Any] | Callable[[], dict[str, Any]], str]


async def _enqueue_pending(pending: list[Pending]) -> None:
    # Every task of the unit of work together: pushed from the loop, or one thread hop (kombu's
    # publish is a blocking socket write, a connect timeout when the broker is away).
    tasks = [(name, data() if callable(data) else data, task_id) for name, data, task_id in pending]
    await get_task_queue().enqueue_many_async(tasks)


def enqueue_after_commit(
    session: AsyncSession,
    name: str,
    data: dict[str, Any] | Callable[[], dict[str, Any]],
    *,
    task_id: str | None = None,
) -> str:
    """Enqueue task `name` once the session's unit of work commits (dropped on rollback), so a
    worker never looks for a row that is not committed yet; returns the task id it will have.
    `data` may be a callable, evaluated after the commit (ids assigned at flush). The tasks of one
    unit of work are published together, in their order."""
    task_id = task_id or uuid.uuid4().hex
    pending: Pending = (name, data, task_id)
    after_commit_batch(session, _PENDING_TASKS, pending, _enqueue_pending)
    return task_id
