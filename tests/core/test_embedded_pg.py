"""The embedded PostgreSQL is shared by concurrent processes and stops after the last one."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import PROJECT_ROOT, Settings
from app.core.database import build_engine

# Loader, cluster and migration mechanics: no cache behaviour, so the Redis-unreachable pass skips it.
pytestmark = pytest.mark.once

WORKER = """
import asyncio, sys
from pathlib import Path
from sqlalchemy import text
from app.core.database import build_engine
from app.core.config import Settings

async def main() -> None:
    engine = build_engine(Settings(database_url=None, data_dir=Path(sys.argv[1])))
    async with engine.connect() as connection:
        # Concurrent CREATE TABLE IF NOT EXISTS can still collide in pg_type: take turns.
        await connection.execute(text("SELECT pg_advisory_xact_lock(4242)"))
        await connection.execute(text("CREATE TABLE IF NOT EXISTS shared_probe (pid int)"))
        await connection.execute(text("INSERT INTO shared_probe VALUES (pg_backend_pid())"))
        await connection.commit()
        await asyncio.sleep(1.5)  # overlap with the other processes
        print((await connection.execute(text("SELECT count(*) FROM shared_probe"))).scalar_one())
    await engine.dispose()

asyncio.run(main())
"""


def test_processes_share_one_cluster_and_the_last_stops_it(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(data_dir)],
            cwd=PROJECT_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [process.communicate(timeout=120) for process in processes]
    failures = "\n---\n".join(
        err[-3000:] for (_, err), p in zip(outputs, processes, strict=True) if p.returncode
    )
    assert [process.returncode for process in processes] == [0, 0, 0], failures
    # The three inserts went to the same database; the last reader sees all of them.
    assert max(int(out.strip()) for out, _ in outputs) == 3
    postmaster = data_dir / "pg" / "postmaster.pid"
    deadline = time.monotonic() + 20
    while postmaster.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not postmaster.exists(), "the server kept running after its last process exited"
    assert (data_dir / "pg" / "PG_VERSION").exists(), "the data must stay on disk between runs"


def wait_stopped(pgdata: Path, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while (pgdata / "postmaster.pid").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    return not (pgdata / "postmaster.pid").exists()


def test_a_killed_process_does_not_keep_the_server_forever(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    hold = (
        "import sys, time; from pathlib import Path; from app.core.embedded_pg import start_embedded; "
        "start_embedded(Path(sys.argv[1]) / 'pg'); print('up', flush=True); time.sleep(600)"
    )
    victim = subprocess.Popen(
        [sys.executable, "-c", hold, str(data_dir)], cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True
    )
    assert victim.stdout is not None and victim.stdout.readline().strip() == "up"
    victim.kill()
    victim.wait()
    # The next process that joins and leaves normally is the last live one: the server stops.
    done = subprocess.run(
        [sys.executable, "-c", WORKER, str(data_dir)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert wait_stopped(data_dir / "pg")


def test_uvicorn_sigterm_releases_the_server(tmp_path: Path) -> None:
    """uvicorn re-raises SIGTERM after a graceful shutdown, so atexit never runs: the app's
    lifespan releases the handle itself."""
    import os
    import signal
    import socket
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "DATA_DIR": str(tmp_path / "data")}
    env.pop("DATABASE_URL", None)
    (tmp_path / "data").mkdir()
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, "the service did not start"
                time.sleep(0.5)
        assert (tmp_path / "data" / "pg" / "postmaster.pid").exists()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
    assert wait_stopped(tmp_path / "data" / "pg")



async def test_commits_are_durable_by_default(session: AsyncSession) -> None:
    # An acknowledged write must survive a crash: commits wait for the WAL flush.
    assert (await session.execute(text("SHOW synchronous_commit"))).scalar_one() == "on"


async def test_async_commit_is_an_explicit_per_session_switch() -> None:
    assert Settings().db_async_commit is False
    engine = build_engine(Settings(db_async_commit=True), url=os.environ["DATABASE_URL"])
    try:
        async with engine.connect() as connection:
            assert (await connection.execute(text("SHOW synchronous_commit"))).scalar_one() == "off"
    finally:
        await engine.dispose()
