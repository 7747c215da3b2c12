"""verify_optimizations.py against the suite's own services: every line ✅ with the PostgreSQL,
redis-server and Celery worker of the run plus a real `celery beat` and Flower; with Redis
stopped exactly the lines that need Redis or the broker ❌; with no worker the worker line ❌;
through a running API with --api. And the runner's time limits: a hung check never hangs the run.

Each run is `python verify_optimizations.py` in a process of its own, with the suite's settings in
its environment, as an operator would run it."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import tests.conftest as suite
from app.core.config import PROJECT_ROOT
from app.ops.verificacion.base_datos import LIST_STATEMENT_BUDGET
from app.ops.verificacion.entorno import beat_ticks
from app.ops.verificacion.runner import Check, Context, Skipped, in_thread, run_checks
from tests.conftest import REDIS_DOWN
from tests.helpers import Json
from tests.live_server import live_api, stop_process
from tests.redis_server import RedisServer, free_port
from tests.test_statement_counts import EXPECTED as STATEMENT_BUDGETS

SERVICE_CHECKS = [
    "database",
    "indexes",
    "index_usage",
    "pg_stat_statements",
    "slow_query_log",
    "statement_budget",
    "redis",
    "cache_hit",
    "broker",
    "worker",
    "queues",
    "beat",
    "flower",
]
API_CHECKS = ["api_livez", "api_readyz", "api_catalog_304", "api_server_timing"]
# With Redis (the cache and the broker) gone: the Redis lines, and those that need the broker: a
# worker cannot be pinged, nor a task sent to a queue, nor beat's heartbeat read (beat needs the
# broker to send anything). Flower is not asked for here (nothing listens: skipped, ✅).
REDIS_DEPENDENT = {"redis", "cache_hit", "broker", "worker", "queues", "beat"}
START_LIMIT_S = 120.0
RUN_LIMIT_S = 300.0


async def verify(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    """Run the script; returns its exit code, stdout and stderr."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "verify_optimizations.py",
        *args,
        cwd=str(PROJECT_ROOT),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=RUN_LIMIT_S)
    return process.returncode or 0, out.decode(), err.decode()


async def verify_json(*args: str, env: dict[str, str]) -> tuple[int, Json, dict[str, Json]]:
    code, out, err = await verify("--json", *args, env=env)
    assert out.strip(), f"no JSON on stdout (exit {code}):\n{err[-3000:]}"
    report = json.loads(out)
    assert set(report) == {"ok", "checks"}
    assert all(set(check) == {"name", "ok", "detail"} for check in report["checks"])
    by_name = {check["name"]: check for check in report["checks"]}
    assert code == (0 if report["ok"] else 1) and report["ok"] == all(c["ok"] for c in report["checks"])
    return code, report, by_name


@pytest.fixture
def verify_env(tmp_path: Path) -> dict[str, str]:
    """The suite's settings, a DATA_DIR of the test's own, and a Flower port where nothing listens."""
    env = {**os.environ, "DATA_DIR": str(tmp_path / "data"), "FLOWER_PORT": str(free_port())}
    for name in ("FLOWER_ADDRESS", "FLOWER_BASIC_AUTH", "FLOWER_PASSWORD"):
        env.pop(name, None)
    return env


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "app.core.task_queue", *args],
            cwd=str(PROJECT_ROOT),
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _log_tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:]


async def _until(condition: Any, what: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_LIMIT_S
    while not await asyncio.to_thread(condition):
        if process.poll() is not None:
            pytest.fail(f"{what} exited:\n{await asyncio.to_thread(_log_tail, log)}")
        if time.monotonic() > deadline:
            pytest.fail(f"{what} not ready in {START_LIMIT_S} s:\n{await asyncio.to_thread(_log_tail, log)}")
        await asyncio.sleep(0.3)


@pytest.fixture
async def beat(tmp_path: Path, verify_env: dict[str, str]) -> AsyncIterator[subprocess.Popen[bytes]]:
    """A real `celery beat`, ready once its heartbeat (not an earlier beat's) is in Redis."""
    log = tmp_path / "beat.log"
    process = _start(
        ["beat", "--loglevel=INFO", f"--schedule={tmp_path / 'celerybeat-schedule'}"], verify_env, log
    )
    try:
        await _until(lambda: beat_ticks(process.pid), "beat", process, log)
        yield process
    finally:
        stop_process(process)


@pytest.fixture
async def flower(tmp_path: Path, verify_env: dict[str, str]) -> AsyncIterator[dict[str, str]]:
    """A real Flower behind basic auth; yields the environment that names its port and password."""
    env = {**verify_env, "FLOWER_PASSWORD": "clave-flower-verificacion"}
    log = tmp_path / "flower.log"
    process = _start(["flower"], env, log)

    def answers() -> bool:
        try:
            return (
                httpx.get(f"http://127.0.0.1:{env['FLOWER_PORT']}/healthcheck", timeout=1).status_code == 200
            )
        except httpx.TransportError:
            return False

    try:
        await _until(answers, "flower", process, log)
        yield env
    finally:
        stop_process(process)


@pytest.mark.needs_redis
async def test_every_line_passes_against_the_suite_services(
    celery_worker: Any, beat: subprocess.Popen[bytes], flower: dict[str, str], new_doc: Json
) -> None:
    # The document and the suite's users give index_usage and statement_budget something to check.
    code, out, err = await verify("--flower", "--timeout-scale", "2", env=flower)
    print(out)
    lines = out.strip().splitlines()
    assert code == 0, f"{out}\n{err[-3000:]}"
    assert [line.split()[1] for line in lines[1:-1]] == SERVICE_CHECKS
    assert all(line.startswith("✅ ") for line in lines[1:-1]) and lines[-1] == "13/13 checks passed"

    code, report, checks = await verify_json("--flower", "--timeout-scale", "2", env=flower)
    assert code == 0 and report["ok"] and list(checks) == SERVICE_CHECKS
    for name in ("index_usage", "statement_budget", "flower"):
        assert not checks[name]["detail"].startswith("skipped"), checks[name]
    assert f"pid {beat.pid}" in checks["beat"]["detail"]
    assert "ran on default, reports, notifications, integrations" in checks["queues"]["detail"]


def test_the_statement_budget_is_the_one_the_suite_measures() -> None:
    assert STATEMENT_BUDGETS["GET /documentos?page_size=100"] == LIST_STATEMENT_BUDGET


def assert_only_redis_lines_fail(checks: dict[str, Json]) -> None:
    assert list(checks) == SERVICE_CHECKS
    failed = {name for name, check in checks.items() if not check["ok"]}
    assert failed == REDIS_DEPENDENT, checks
    assert checks["redis"]["detail"].startswith("degraded: in-memory fallback"), checks["redis"]
    assert checks["broker"]["detail"], checks["broker"]
    assert checks["cache_hit"]["detail"] == "not run: redis not available (see above)"
    for name in ("worker", "beat"):
        assert checks[name]["detail"] == "not run: broker not available (see above)"
    assert checks["queues"]["detail"] == "not run: broker, worker not available (see above)"
    assert checks["flower"]["detail"].startswith("skipped: nothing listens")


@pytest.mark.needs_redis
async def test_with_redis_stopped_exactly_the_redis_and_broker_lines_fail(
    suite_redis: RedisServer, verify_env: dict[str, str]
) -> None:
    suite_redis.stop()
    code, out, _ = await verify(env=verify_env)
    print(out)
    assert code == 1
    code, report, checks = await verify_json(env=verify_env)
    assert code == 1 and not report["ok"]
    assert_only_redis_lines_fail(checks)


@pytest.mark.skipif(not REDIS_DOWN, reason="the Redis-unreachable pass (TEST_REDIS=down)")
async def test_with_redis_unreachable_exactly_the_redis_and_broker_lines_fail(
    verify_env: dict[str, str],
) -> None:
    code, _, checks = await verify_json(env=verify_env)
    assert code == 1
    assert_only_redis_lines_fail(checks)


@pytest.mark.needs_redis
async def test_with_no_worker_the_worker_line_fails(verify_env: dict[str, str]) -> None:
    if suite.celery_worker_process is not None:
        suite.celery_worker_process.stop()
    code, _, checks = await verify_json("--only", "worker,queues", env=verify_env)
    assert code == 1 and list(checks) == ["broker", "worker", "queues"]
    assert checks["broker"]["ok"]
    assert not checks["worker"]["ok"] and checks["worker"]["detail"].startswith("no worker answered a ping")
    assert checks["queues"]["detail"] == "not run: worker not available (see above)"


@pytest.fixture
def api_server(tmp_path: Path, verify_env: dict[str, str]) -> Iterator[str]:
    """The application under uvicorn on a free port, with the suite's settings."""
    with live_api(tmp_path / "uvicorn.log", verify_env) as url:
        yield url


@pytest.mark.needs_redis
async def test_through_a_running_api(api_server: str, verify_env: dict[str, str]) -> None:
    only = ",".join(API_CHECKS)
    code, out, err = await verify("--api", api_server, "--only", only, env=verify_env)
    print(out)
    assert code == 0, f"{out}\n{err[-3000:]}"
    _, report, checks = await verify_json("--api", api_server, "--only", only, env=verify_env)
    assert report["ok"] and list(checks) == API_CHECKS
    assert "304" in checks["api_catalog_304"]["detail"] and "db;dur=" in checks["api_server_timing"]["detail"]


async def test_an_api_that_does_not_answer_fails_its_lines(verify_env: dict[str, str]) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    code, _, checks = await verify_json("--api", closed, "--only", ",".join(API_CHECKS), env=verify_env)
    assert code == 1 and list(checks) == API_CHECKS
    assert all(not check["ok"] and "ConnectError" in check["detail"] for check in checks.values())


# ---- the runner: every check within its own time limit ----------------------------------------------


async def test_a_hung_check_fails_with_a_timeout_and_the_run_goes_on() -> None:
    release = threading.Event()

    async def hangs(context: Context) -> str:
        await asyncio.Event().wait()
        return "never"

    async def blocks(context: Context) -> str:
        await in_thread(release.wait)  # a blocking call that never returns (until the test ends)
        return "never"

    async def skips(context: Context) -> str:
        raise Skipped("nothing to check here")

    async def breaks(context: Context) -> str:
        raise ConnectionRefusedError(111, "Connection refused")

    async def answers(context: Context) -> str:
        return "fine"

    checks = [
        Check("hangs", hangs, timeout_s=0.3, provides="thing"),
        Check("needs_thing", answers, timeout_s=5, needs=("thing",)),
        Check("blocks", blocks, timeout_s=0.3),
        Check("skips", skips, timeout_s=5),
        Check("breaks", breaks, timeout_s=5),
        Check("answers", answers, timeout_s=5),
    ]
    started = time.monotonic()
    try:
        results = await run_checks(checks, Context())
    finally:
        release.set()
    assert [(r.name, r.ok, r.detail) for r in results] == [
        ("hangs", False, "timeout after 0.3 s"),
        ("needs_thing", False, "not run: thing not available (see above)"),
        ("blocks", False, "timeout after 0.3 s"),
        ("skips", True, "skipped: nothing to check here"),
        ("breaks", False, "ConnectionRefusedError: [Errno 111] Connection refused"),
        ("answers", True, "fine"),
    ]
    # Bounded by the limits, not by the hung calls (generous: a busy machine is slow, never stuck).
    assert time.monotonic() - started < 60


async def test_timeout_scale_multiplies_each_limit() -> None:
    async def slow(context: Context) -> str:
        await asyncio.sleep(0.5)
        return f"limit {context.limit_s:g} s"

    (tight,) = await run_checks([Check("slow", slow, timeout_s=0.1)], Context())
    (scaled,) = await run_checks([Check("slow", slow, timeout_s=0.1)], Context(timeout_scale=100))
    assert (tight.ok, tight.detail) == (False, "timeout after 0.1 s")
    assert (scaled.ok, scaled.detail) == (True, "limit 10 s")
