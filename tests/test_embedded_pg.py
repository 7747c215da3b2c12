"""The embedded PostgreSQL is shared by concurrent processes and stops after the last one."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from app.core.config import PROJECT_ROOT

WORKER = """
import asyncio, sys
from pathlib import Path
from sqlalchemy import text
from app.core.database import build_engine
from app.core.config import Settings

async def main() -> None:
    engine = build_engine(Settings(database_url=None, data_dir=Path(sys.argv[1])))
    async with engine.connect() as connection:
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
    assert [process.returncode for process in processes] == [0, 0, 0], [err for _, err in outputs]
    # The three inserts went to the same database; the last reader sees all of them.
    assert max(int(out.strip()) for out, _ in outputs) == 3
    postmaster = data_dir / "pg" / "postmaster.pid"
    deadline = time.monotonic() + 20
    while postmaster.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not postmaster.exists(), "the server kept running after its last process exited"
    assert (data_dir / "pg" / "PG_VERSION").exists(), "the data must stay on disk between runs"
