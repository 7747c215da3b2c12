"""Processes the benchmark starts, and how it stops every one of them (also on Ctrl-C or failure):
the tools it installs when missing, the servers (pinned to a core), a private redis-server, and
the handle it holds on each embedded PostgreSQL for the whole run."""

from __future__ import annotations

import asyncio
import functools
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.redis_server import RedisServer, free_port  # noqa: E402

PYTHON = str(ROOT / ".venv" / "bin" / "python")
SERVER_CORE, LOAD_CORE = "0", "1"


def pinning() -> bool:
    return (os.cpu_count() or 1) >= 2 and shutil.which("taskset") is not None


def ensure_tools() -> None:
    """wrk (Debian package, with apt-get) and matplotlib (the `bench` dependency group, with uv)."""
    if shutil.which("wrk") is None:
        print("installing wrk with apt-get", flush=True)
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", "wrk"], check=True, env=env)
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        uv = ROOT / ".venv-tools" / "bin" / "uv"
        if not uv.exists():
            subprocess.run(["bash", str(ROOT / "scripts" / "bootstrap.sh")], check=True)
        print("installing the bench dependency group (matplotlib) with uv", flush=True)
        env = {**os.environ, "UV_PROJECT_ENVIRONMENT": str(ROOT / ".venv"), "UV_PYTHON_DOWNLOADS": "never"}
        env.pop("VIRTUAL_ENV", None)
        sync = [str(uv), "sync", "--project", str(ROOT), "--frozen", "--inexact", "--group", "bench"]
        subprocess.run(sync, check=True, env=env)


@dataclass
class Server:
    name: str
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def ps(self) -> psutil.Process:
        return psutil.Process(self.process.pid)

    def cpu_seconds(self) -> float:
        times = self.ps.cpu_times()
        return float(times.user + times.system)

    def rss_mib(self) -> float:
        return float(self.ps.memory_info().rss) / 2**20


@dataclass
class Processes:
    """Everything started during the run, stopped in reverse order by `stop_all`."""

    workdir: Path
    servers: list[Server] = field(default_factory=list)
    others: list[subprocess.Popen[bytes]] = field(default_factory=list)
    redis: list[RedisServer] = field(default_factory=list)
    pgdata: list[Path] = field(default_factory=list)

    def start_redis(self) -> RedisServer:
        redis = RedisServer(self.workdir / f"redis-{len(self.redis)}")
        self.redis.append(redis)
        redis.start()
        return redis

    def hold_postgres(self, pgdata: Path) -> str:
        """Start (or join) the embedded PostgreSQL on `pgdata` and keep a handle on it; returns
        the server's unix socket directory."""
        from urllib.parse import parse_qs, urlparse

        from app.core.embedded_pg import start_embedded

        url = start_embedded(pgdata)
        self.pgdata.append(pgdata)
        return parse_qs(urlparse(url).query)["host"][0]

    def start_server(
        self, name: str, app: str, env: dict[str, str], ready: str = "/livez", timeout_s: float = 180
    ) -> Server:
        port = free_port()
        argv = [PYTHON, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port), "--no-access-log",
                "--log-level", "warning", "--workers", "1"]  # fmt: skip
        if pinning():
            argv = ["taskset", "-c", SERVER_CORE, *argv]
        log = self.workdir / f"{name}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        server = Server(name, f"http://127.0.0.1:{port}", process, log)
        self.servers.append(server)
        deadline = time.monotonic() + timeout_s
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                tail = log.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"server {name} did not come up (log {log}):\n{tail}")
            with suppress(httpx.HTTPError):
                if httpx.get(server.url + ready, timeout=2).status_code == 200:
                    return server
            time.sleep(0.2)

    def stop_server(self, server: Server) -> None:
        _terminate(server.process, 30)
        if server in self.servers:
            self.servers.remove(server)

    def run(self, argv: list[str], env: dict[str, str], log: Path, timeout_s: float | None = None) -> None:
        """A child command to completion (its output to `log`); stopped with the rest on Ctrl-C."""
        with log.open("ab") as out:
            process = subprocess.Popen(
                argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
            self.others.append(process)
            try:
                code = process.wait(timeout=timeout_s)
            finally:
                _terminate(process, 30)
                self.others.remove(process)
        if code != 0:
            tail = log.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{' '.join(argv[:4])}... exited {code} (log {log}):\n{tail}")

    def stop_all(self) -> None:
        for process in reversed(self.others):
            _terminate(process, 30)
        for server in reversed(self.servers):
            _terminate(server.process, 30)
        self.servers.clear()
        for redis in reversed(self.redis):
            with suppress(Exception):
                redis.stop()
        from app.core.embedded_pg import stop_embedded, stop_if_unused

        for pgdata in reversed(self.pgdata):
            with suppress(Exception):
                stop_embedded(pgdata)
            with suppress(Exception):
                if not stop_if_unused(pgdata):
                    print(f"warning: PostgreSQL on {pgdata} is still used by another process", flush=True)
        self.pgdata.clear()


def _terminate(process: subprocess.Popen[bytes], timeout_s: float) -> None:
    if process.poll() is not None:
        return
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextmanager
def stopped_on_signals() -> Iterator[None]:
    """SIGINT (also when the shell started us with it ignored), SIGTERM and SIGHUP end the run
    through the `finally` that stops everything."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    previous = {s: signal.signal(s, interrupt) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


@functools.lru_cache(maxsize=8)
def _socket_of(pgdata: Path) -> str:
    from urllib.parse import parse_qs, urlparse

    from app.core.embedded_pg import start_embedded

    return parse_qs(urlparse(start_embedded(pgdata)).query)["host"][0]


_ACTIVE = """SELECT pid FROM pg_stat_activity
WHERE backend_type = 'client backend' AND state = 'active' AND pid <> pg_backend_pid()
  AND datname IS NOT NULL"""


async def _drain(dsn: str, max_s: float) -> int:
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        cancelled = 0
        deadline = time.monotonic() + max_s
        while time.monotonic() < deadline:
            pids = [r["pid"] for r in await conn.fetch(_ACTIVE)]
            if not pids:
                break
            for pid in pids:
                cancelled += bool(await conn.fetchval("SELECT pg_cancel_backend($1)", pid))
            await asyncio.sleep(0.1)
        return cancelled
    finally:
        await conn.close()


def drain_database(pgdata: Path, max_s: float = 30.0) -> int:
    """Cancel the statements still running on the cluster of `pgdata` and wait until none runs.

    A contestant's slow requests (the baseline's unindexed searches take seconds each) outlive the
    load generator; their database CPU would land in the next block, another contestant's (a
    registration block once showed 120 ms of database CPU per request that way). Returns how many
    statements it cancelled."""
    dsn = f"postgresql://postgres@/postgres?host={_socket_of(pgdata)}"
    return asyncio.run(_drain(dsn, max_s))


def settle(
    servers: list[Server], cpu: Callable[[], float] | None = None, quiet: float = 0.05, max_s: float = 30.0
) -> None:
    """Wait until every server is idle (below `quiet` of a core over 0.25 s) and what `cpu`
    measures (the database) uses less than a quarter of a core (a query still running uses a whole
    one; background work such as autovacuum less): requests still running after the load generator
    stopped must not land in the next block."""
    deadline = time.monotonic() + max_s
    while time.monotonic() < deadline:
        before = [s.cpu_seconds() for s in servers]
        other = cpu() if cpu else 0.0
        time.sleep(0.25)
        used = max(s.cpu_seconds() - b for s, b in zip(servers, before, strict=True))
        database = cpu() - other if cpu is not None else 0.0
        if used < quiet * 0.25 and database < 0.25 * 0.25:
            return
