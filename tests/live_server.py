"""The application under a real uvicorn on a free port, for the tests that need real sockets: a body that
trickles in, hundreds of concurrent connections, a database restarted under load.

The server runs with the suite's settings (the same database and Redis as the in-process app), plus
whatever `env` overrides; its output goes to `log` (shown when it fails to start)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from app.core.config import PROJECT_ROOT
from tests.redis_server import free_port

START_LIMIT_S = 120.0


def stop_process(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@contextmanager
def live_api(
    log: Path, env: dict[str, str] | None = None, *uvicorn_args: str, port: int | None = None
) -> Iterator[str]:
    """Start `uvicorn app.main:app` and yield its base URL once `/livez` answers; stop it at the end.
    `port`: one chosen beforehand (a server whose settings name its own address); else a free one."""
    port = port or free_port()
    full_env = {**os.environ, **(env or {})}
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port),
             "--no-access-log", *uvicorn_args],
            cwd=str(PROJECT_ROOT),
            env=full_env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_LIMIT_S
        while True:
            assert process.poll() is None, log.read_text(errors="replace")[-3000:]
            try:
                if httpx.get(f"{url}/livez", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, log.read_text(errors="replace")[-3000:]
            time.sleep(0.3)
        yield url
    finally:
        stop_process(process)
