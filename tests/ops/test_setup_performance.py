"""setup_performance.sh, run twice with the worker, beat and Flower, in a DATA_DIR of its own, with its
own redis-server (REDIS_URL on a free port) and its own embedded PostgreSQL (DATABASE_URL unset): the
first run starts each once and verifies, the second starts nothing and verifies again, and --stop
stops everything the first one started.

The script runs from a copy of the project's top level whose code, migrations and virtualenv are
links to this checkout, so that the `.env` it creates lands in the copy, not in the checkout. Its
`scripts/bootstrap.sh` is a stand-in that only records the call: the real one installs packages,
which a test must never do to the shared virtualenv (the script's own steps all run for real)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.config import PROJECT_ROOT
from tests.redis_server import free_port

pytestmark = pytest.mark.needs_redis  # it starts a redis-server of its own

LINKED = ("app", "alembic", "alembic.ini", ".venv", "pyproject.toml", "verify_optimizations.py")
COPIED = ("setup_performance.sh", ".env.performance")
NAMES = ("redis", "worker", "beat", "flower")
# A cold first run initializes a PostgreSQL cluster and starts three Celery processes: generous.
RUN_LIMIT_S = 900
GONE_LIMIT_S = 120
STAND_IN_BOOTSTRAP = """#!/usr/bin/env bash
# Stand-in for scripts/bootstrap.sh in this test: records the call, installs nothing.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
echo "bootstrap $*" >>"$ROOT/bootstrap-calls"
[ -x "$ROOT/.venv/bin/python" ]
"""


def _processes_mentioning(marker: str) -> dict[int, str]:
    """Live processes whose command line, working directory or environment names `marker`."""
    found: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                continue
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            cwd = os.readlink(entry / "cwd")
            environ = (entry / "environ").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if marker in cmdline or cwd.startswith(marker) or f"DATA_DIR={marker}" in environ:
            found[int(entry.name)] = cmdline.strip()
    return found


def _ppid(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return 0


def _main_processes(data_dir: Path) -> dict[str, list[int]]:
    """Per name, the processes the script started (a worker's pool children are not counted:
    their parent is the worker)."""
    processes = _processes_mentioning(str(data_dir))
    mains: dict[str, list[int]] = {name: [] for name in NAMES}
    for pid, cmdline in processes.items():
        for name in ("worker", "beat", "flower"):
            if f"app.core.task_queue {name}" in cmdline and _ppid(pid) not in processes:
                mains[name].append(pid)
        if cmdline.startswith("/usr/bin/redis-server") or cmdline.startswith("redis-server"):
            mains["redis"].append(pid)
    return mains


@pytest.fixture
def project(tmp_path: Path) -> Iterator[tuple[Path, dict[str, str], Path]]:
    root = tmp_path / "proyecto"
    (root / "scripts").mkdir(parents=True)
    for name in LINKED:
        (root / name).symlink_to(PROJECT_ROOT / name)
    for name in COPIED:
        shutil.copy2(PROJECT_ROOT / name, root / name)
    (root / "scripts" / "bootstrap.sh").write_text(STAND_IN_BOOTSTRAP)
    data_dir = tmp_path / "data"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("FLOWER_", "CELERY_"))},
        "DATA_DIR": str(data_dir),
        "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
        "FLOWER_PORT": str(free_port()),
        "SETUP_WAIT_S": "300",
    }
    env.pop("DATABASE_URL", None)  # its own embedded PostgreSQL under DATA_DIR/pg
    try:
        yield root, env, data_dir
    finally:
        # Whatever a failed run left behind: the script's own --stop, then anything still naming
        # this test's directory (its embedded PostgreSQL included).
        subprocess.run(["bash", str(root / "setup_performance.sh"), "--stop"], env=env, capture_output=True)
        leftovers = _processes_mentioning(str(data_dir))
        for pid in leftovers:
            with contextlib.suppress(OSError):  # it ended meanwhile
                os.kill(pid, signal.SIGTERM)


def _run(root: Path, env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        ["bash", str(root / "setup_performance.sh"), *args],
        env=env,
        cwd=str(root.parent),
        capture_output=True,
        text=True,
        timeout=RUN_LIMIT_S,
    )
    print(result.stdout)
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr[-4000:]}"
    return result.stdout


def _pids(data_dir: Path) -> dict[str, int]:
    return {name: int((data_dir / "run" / f"{name}.pid").read_text()) for name in NAMES}


def test_twice_starts_everything_once_and_stop_stops_it(project: tuple[Path, dict[str, str], Path]) -> None:
    root, env, data_dir = project
    flags = ("--with-worker", "--with-beat", "--with-flower")

    first = _run(root, env, *flags)
    assert "created .env from .env.performance" in first
    for name in NAMES:
        assert f"started {name} (pid" in first
    assert "13/13 checks passed" in first
    started = _pids(data_dir)
    assert _main_processes(data_dir) == {name: [pid] for name, pid in started.items()}
    env_file = (root / ".env").read_bytes()
    assert env_file == (root / ".env.performance").read_bytes()

    second = _run(root, env, *flags)
    assert "started " not in second and ".env present: left as it is" in second
    for name, pid in started.items():
        assert f"{name} already running (pid {pid})" in second
    assert "13/13 checks passed" in second
    assert _pids(data_dir) == started and (root / ".env").read_bytes() == env_file
    assert _main_processes(data_dir) == {name: [pid] for name, pid in started.items()}
    assert (root / "bootstrap-calls").read_text().splitlines() == ["bootstrap ", "bootstrap "]

    stopped = _run(root, env, "--stop")
    for name, pid in started.items():
        assert f"stopped {name} (pid {pid})" in stopped
        assert not (data_dir / "run" / f"{name}.pid").exists()
    # The embedded PostgreSQL stops too: nothing of this DATA_DIR uses it any more.
    deadline = time.monotonic() + GONE_LIMIT_S
    while remaining := _processes_mentioning(str(data_dir)):
        assert time.monotonic() < deadline, f"still running after --stop: {remaining}"
        time.sleep(0.5)

    again = _run(root, env, "--stop")
    assert all(f"{name}: not started by this script" in again for name in NAMES)
