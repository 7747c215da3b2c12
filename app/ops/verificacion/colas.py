"""The task-queue checks: the broker answers, a worker answers a ping, a small task completes on
each queue, beat ticked recently, and Flower answers with its credentials."""

from __future__ import annotations

import os
import socket
import time
from typing import Any

import httpx
from celery.exceptions import TimeoutError as ResultTimeout
from kombu.utils.url import maybe_sanitize_url

from app.core.beat import heartbeat_key, read_heartbeat
from app.core.config import get_settings
from app.core.task_queue import QUEUES, celery_app
from app.ops.verificacion.runner import Check, CheckFailed, Context, Skipped, in_thread

# The task sent to each queue (app/ops/tasks.py): it only says which worker ran it, from which queue.
PING = "mesa_partes.ping"
BROKER = "broker"
WORKER = "worker"
BROKER_CONNECT_S = 3
# What a check keeps of its own limit to report what it waited for, instead of timing out.
REPORT_MARGIN_S = 4.0
# "Recent" for beat: it ticks at least every beat_max_loop_interval, so this many missed ticks.
BEAT_MISSED_TICKS = 3
FLOWER_CONNECT_S = 1.0


def _connect_to_broker() -> None:
    with celery_app.connection_for_write() as connection:
        connection.ensure_connection(
            max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_CONNECT_S
        )


async def check_broker(context: Context) -> str:
    await in_thread(_connect_to_broker)
    return f"{maybe_sanitize_url(str(celery_app.conf.broker_url))} accepts connections"


def _ping_workers(wait_s: float) -> list[dict[str, Any]]:
    # limit=1: return at the first answer instead of waiting out the timeout for more.
    return celery_app.control.ping(timeout=wait_s, limit=1) or []


async def check_worker(context: Context) -> str:
    started = time.monotonic()
    wait_s = max(1.0, context.limit_s - REPORT_MARGIN_S)
    replies = await in_thread(_ping_workers, wait_s)
    if not replies:
        raise CheckFailed(f"no worker answered a ping within {wait_s:g} s")
    names = sorted(name for reply in replies for name in reply)
    return f"{', '.join(names)} answered a ping in {time.monotonic() - started:.1f} s"


def _run_on_every_queue(wait_s: float) -> tuple[dict[str, str], list[str]]:
    """Send PING to each queue explicitly, wait for every answer until `wait_s` has passed; returns
    {queue: worker} and the queues that did not answer."""
    # A ping nobody consumes in time is dropped by the worker that finds it later.
    sent = {queue: celery_app.send_task(PING, queue=queue, expires=wait_s + 30) for queue in QUEUES}
    deadline = time.monotonic() + wait_s
    answered: dict[str, str] = {}
    silent: list[str] = []
    for queue, result in sent.items():
        try:
            value = result.get(timeout=max(0.1, deadline - time.monotonic()))
        except ResultTimeout:
            silent.append(queue)
            continue
        finally:
            result.forget()
        if value.get("queue") != queue:
            raise CheckFailed(f"the ping sent to {queue} was consumed from {value.get('queue')!r}")
        answered[queue] = str(value.get("worker"))
    return answered, silent


async def check_queues(context: Context) -> str:
    wait_s = max(1.0, context.limit_s - REPORT_MARGIN_S)
    answered, silent = await in_thread(_run_on_every_queue, wait_s)
    if silent:
        raise CheckFailed(
            f"no answer from {', '.join(silent)} within {wait_s:g} s (is a worker consuming it? busy?)"
            + (f"; answered: {', '.join(answered)}" if answered else "")
        )
    workers = ", ".join(sorted(set(answered.values())))
    return f"{PING} ran on {', '.join(QUEUES)} ({workers})"


async def check_beat(context: Context) -> str:
    heartbeat = await in_thread(read_heartbeat)
    interval = float(celery_app.conf.beat_max_loop_interval or 300)
    if heartbeat is None:
        raise CheckFailed(
            f"no heartbeat under {heartbeat_key()}: beat is not running (or has another CACHE_PREFIX)"
        )
    age = time.time() - float(heartbeat["at"])
    where = f"{heartbeat.get('host')} pid {heartbeat.get('pid')}"
    if age > BEAT_MISSED_TICKS * interval:
        raise CheckFailed(f"last tick {age:.0f} s ago ({where}); it ticks at least every {interval:g} s")
    return f"last tick {age:.1f} s ago ({where}); it ticks at least every {interval:g} s"


def flower_location() -> tuple[str, int]:
    """Where Flower listens: its own FLOWER_* variables win over our settings (flower_defaults)."""
    settings = get_settings()
    address = os.environ.get("FLOWER_ADDRESS", settings.flower_address)
    port = int(os.environ.get("FLOWER_PORT", settings.flower_port))
    wildcard = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}
    return wildcard.get(address, address), port


def flower_credentials() -> tuple[str, str] | None:
    basic_auth = os.environ.get("FLOWER_BASIC_AUTH")
    if basic_auth:
        user, _, password = basic_auth.split(",")[0].partition(":")
        return user, password
    settings = get_settings()
    if settings.flower_password is not None:
        return settings.flower_user, settings.flower_password.get_secret_value()
    # Read, never created here: Flower generates it at its first start (flower_defaults).
    stored = settings.data_dir / ".flower_password"
    return (settings.flower_user, stored.read_text().strip()) if stored.exists() else None


def _listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=FLOWER_CONNECT_S):
            return True
    except OSError:
        return False


async def check_flower(context: Context) -> str:
    expected = context.options.get("flower")  # True: required, False: not wanted, None: if running
    if expected is False:
        raise Skipped("not expected (--no-flower)")
    host, port = flower_location()
    url = f"http://{host if ':' not in host else f'[{host}]'}:{port}"
    if not await in_thread(_listening, host, port):
        if expected:
            raise CheckFailed(f"nothing listens on {url}")
        raise Skipped(f"nothing listens on {url} (pass --flower to require it)")
    credentials = flower_credentials()
    if credentials is None:
        raise CheckFailed("no credentials: FLOWER_PASSWORD unset and DATA_DIR/.flower_password missing")
    # status=true: the workers Flower knows from events, without asking the broker.
    path = "/api/workers?status=true"
    async with httpx.AsyncClient(base_url=url, timeout=5.0) as http:
        anonymous = await http.get(path)
        allowed = await http.get(path, auth=credentials)
    if anonymous.status_code != 401:
        raise CheckFailed(f"{url} answers {anonymous.status_code} without credentials (expected 401)")
    if allowed.status_code != 200:
        raise CheckFailed(f"{url} answers {allowed.status_code} with its credentials (user {credentials[0]})")
    return f"{url} answers with its credentials (401 without); {len(allowed.json())} workers known"


CHECKS = (
    Check(BROKER, check_broker, timeout_s=10, provides=BROKER),
    Check(WORKER, check_worker, timeout_s=12, needs=(BROKER,), provides=WORKER),
    Check("queues", check_queues, timeout_s=34, needs=(BROKER, WORKER)),
    Check("beat", check_beat, timeout_s=10, needs=(BROKER,)),
    Check("flower", check_flower, timeout_s=10),
)
