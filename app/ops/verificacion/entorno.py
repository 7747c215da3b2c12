"""What `setup_performance.sh` needs to know of the settings, read the way the service reads them
(environment, `.env`, `.env.performance`), so that the script never parses those files itself.

    python -m app.ops.verificacion.entorno shell           # KEY=value lines for `eval`
    python -m app.ops.verificacion.entorno redis-ping      # exit 0: Redis answers at REDIS_URL
    python -m app.ops.verificacion.entorno beat-ticks PID  # exit 0: beat PID of this host ticked
    python -m app.ops.verificacion.entorno beat-elsewhere  # exit 0: another live beat ticks
"""

from __future__ import annotations

import os
import shlex
import socket
import sys
import time
from collections.abc import Sequence
from urllib.parse import unquote, urlparse

from redis import Redis
from redis.exceptions import RedisError

from app.core.beat import read_heartbeat
from app.core.config import get_settings
from app.core.embedded_pg import stop_if_unused
from app.core.task_queue import celery_app

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
PING_TIMEOUT_S = 0.5


def shell_variables() -> dict[str, str]:
    settings = get_settings()
    url = urlparse(settings.redis_url or "")
    is_socket = url.scheme == "unix"
    host = url.hostname or ""
    return {
        "DATA_DIR": str(settings.data_dir.expanduser().resolve()),
        "STORAGE_DIR": str(settings.storage_dir.expanduser().resolve()),
        "DATABASE_URL_SET": "1" if settings.database_url else "0",
        "REDIS_URL_SET": "1" if settings.redis_url else "0",
        # Only a Redis on this host can be started here.
        "REDIS_LOCAL": "1" if is_socket or host in LOCAL_HOSTS else "0",
        "REDIS_HOST": host,
        "REDIS_PORT": str(url.port or 6379) if not is_socket else "0",
        "REDIS_SOCKET": url.path if is_socket else "",
        "REDIS_PASSWORD": unquote(url.password or ""),
        "FLOWER_ADDRESS": settings.flower_address,
        "FLOWER_PORT": str(settings.flower_port),
    }


def redis_answers() -> bool:
    url = get_settings().redis_url
    if not url:
        return False
    client = Redis.from_url(url, socket_timeout=PING_TIMEOUT_S, socket_connect_timeout=PING_TIMEOUT_S)
    try:
        return bool(client.ping())
    except (RedisError, OSError):
        return False
    finally:
        client.close()


def _recent_heartbeat() -> dict[str, object] | None:
    """The last heartbeat, when it is younger than three of beat's longest sleeps."""
    try:
        heartbeat = read_heartbeat()
    except (RedisError, OSError):
        return None
    interval = float(celery_app.conf.beat_max_loop_interval or 300)
    if heartbeat is None or time.time() - float(heartbeat["at"]) > 3 * interval:
        return None
    return heartbeat


def beat_ticks(pid: int) -> bool:
    """Beat `pid` of this host wrote the last heartbeat (not an older beat that ran before it)."""
    heartbeat = _recent_heartbeat()
    return (
        heartbeat is not None
        and heartbeat.get("host") == socket.gethostname()
        and heartbeat.get("pid") == pid
    )


def beat_elsewhere() -> bool:
    """A live beat ticks: on another host, or a process of this host that is still running (a
    recent heartbeat of a beat that died is no reason not to start one)."""
    heartbeat = _recent_heartbeat()
    if heartbeat is None:
        return False
    if heartbeat.get("host") != socket.gethostname():
        return True
    try:
        os.kill(int(str(heartbeat.get("pid"))), 0)
    except (OSError, ValueError):
        return False
    return True


def release_embedded_pg() -> bool:
    """After --stop: stop the embedded PostgreSQL (DATABASE_URL unset) unless a live process still
    uses it (the API of run.sh, say); True when it no longer runs."""
    settings = get_settings()
    if settings.database_url:
        return True
    return stop_if_unused(settings.data_dir / "pg")


def main(argv: Sequence[str] | None = None) -> int:
    command = (argv if argv is not None else sys.argv[1:]) or ["shell"]
    if command == ["shell"]:
        for name, value in shell_variables().items():
            print(f"{name}={shlex.quote(value)}")
        return 0
    if command == ["redis-ping"]:
        return 0 if redis_answers() else 1
    if len(command) == 2 and command[0] == "beat-ticks" and command[1].isdigit():
        return 0 if beat_ticks(int(command[1])) else 1
    if command == ["beat-elsewhere"]:
        return 0 if beat_elsewhere() else 1
    if command == ["release-pg"]:
        return 0 if release_embedded_pg() else 1
    print(
        "usage: python -m app.ops.verificacion.entorno "
        "shell|redis-ping|beat-ticks PID|beat-elsewhere|release-pg",
        file=sys.stderr,
    )
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
