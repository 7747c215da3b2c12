"""The fuzz suite: Schemathesis over every operation of the OpenAPI document, as each role
(`tests/fuzz_openapi.py`), in a process and a database of its own, loaded with the demo data."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from app.core.config import PROJECT_ROOT

# Examples per operation and role: 6 roles × ~70 operations × this many requests (~3,000).
MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
RUN_LIMIT_S = 900

pytestmark = pytest.mark.fault


async def _admin_sql(statement: str) -> None:
    engine = create_async_engine(os.environ["DATABASE_URL"], isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


@pytest.fixture
async def fuzz_env(tmp_path: Path) -> AsyncIterator[dict[str, str]]:
    """A fresh database in the suite's cluster, migrated and loaded with the demo data."""
    name = f"mp_fuzz_{uuid.uuid4().hex[:8]}"
    await _admin_sql(f'CREATE DATABASE "{name}"')
    url = make_url(os.environ["DATABASE_URL"]).set(database=name).render_as_string(hide_password=False)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": "",  # the cache's in-process fallback; tasks run in-process: no shared state
        "DATA_DIR": str(tmp_path / "data"),
        "ADMIN_PASSWORD": "fuzz-" + uuid.uuid4().hex,
        "LOG_LEVEL": "WARNING",
        "ESCRITURA_LIMIT_POR_USUARIO": "",
    }
    try:
        for command in (["migrate"], ["demo"]):
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "app.ops.cli", *command, cwd=PROJECT_ROOT, env=env,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
            )  # fmt: skip
            output, _ = await asyncio.wait_for(process.communicate(), 300)
            assert process.returncode == 0, output.decode(errors="replace")[-3000:]
        yield env
    finally:
        await _admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def test_every_operation_as_every_role_answers_as_documented(fuzz_env: dict[str, str]) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.fuzz_openapi", str(MAX_EXAMPLES), cwd=PROJECT_ROOT, env=fuzz_env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    output, errors = await asyncio.wait_for(process.communicate(), RUN_LIMIT_S)
    try:
        report = json.loads(output)
    except json.JSONDecodeError:
        shown = f"{output.decode()[-3000:]}\n{errors.decode()[-5000:]}"
        pytest.fail(f"no report (exit {process.returncode}):\n{shown}")
    print(json.dumps({"requests": report["requests"], "statuses": report["statuses"]}))
    assert report["requests"] > 1000, report["statuses"]
    assert not report["failures"], json.dumps(report["failures"][:15], ensure_ascii=False, indent=1)
    assert "5xx" not in report["statuses"], report["statuses"]
