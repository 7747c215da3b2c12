"""The list's latency while a storm of logins runs: does password hashing stall the event loop?

    .venv/bin/python -m bench.login_storm                      # this tree, on a throwaway database
    .venv/bin/python -m bench.login_storm --root /tmp/wt-old   # another checkout's code, same steps
    .venv/bin/python -m bench.login_storm --api http://127.0.0.1:8000 --password '…'   # a running API

Without `--api` it starts an embedded PostgreSQL in a temporary directory, migrates it and loads the
demo data with the code of `--root` (default: this checkout), then serves that code under one
uvicorn process (no Redis: the in-process cache; throttles raised through the environment, so the
storm is not cut short). An admin creates `--logins` accounts (distinct usernames). Then a clerk
(`mesapartes`) pages `GET /api/v1/documentos?page_size=20` in a loop, one request at a time:
first alone for `--seconds`, then for `--seconds` while waves of `--logins` concurrent logins run
(half with the right password, half with a wrong one). It prints the list's p50/p99/max in both
phases, and how many logins the storm made.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "clave-de-tormenta-123"
LIST = "/api/v1/documentos?page_size=20"
# The storm must reach the password check: the throttles of the new code are raised (old code ignores them).
NO_THROTTLE = {
    "LOGIN_LIMIT_POR_USUARIO": "1000000/minute",
    "LOGIN_LIMIT_POR_IP": "1000000/minute",
    "ESCRITURA_LIMIT_POR_USUARIO": "0",
}


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _served(root: Path, workdir: Path) -> Iterator[str]:
    """A throwaway database with the demo data, and `root`'s code serving it; yields the base URL."""
    sys.path.insert(0, str(ROOT))
    from app.core.embedded_pg import start_embedded, stop_embedded

    pgdata = workdir / "pg"
    env = {
        **os.environ,
        "DATABASE_URL": start_embedded(pgdata, temporary=True),
        "DATA_DIR": str(workdir / "data"),
        "STORAGE_DIR": str(workdir / "storage"),
        "REDIS_URL": "",
        "CELERY_BROKER_URL": "memory://",
        "ADMIN_PASSWORD": PASSWORD,
        "JWT_SECRET": "login-storm-secret-login-storm-secret-0123",
        "LOG_LEVEL": "WARNING",
        **NO_THROTTLE,
    }
    python = str(ROOT / ".venv" / "bin" / "python")
    process: subprocess.Popen[bytes] | None = None
    try:
        for step in (["migrate"], ["demo"]):
            subprocess.run([python, "-m", "app.ops.cli", *step], cwd=root, env=env, check=True,
                           stdout=subprocess.DEVNULL)  # fmt: skip
        port = _free_port()
        log = (workdir / "uvicorn.log").open("wb")
        process = subprocess.Popen(
            [python, "-m", "uvicorn", "app.main:app", "--port", str(port), "--no-access-log"],
            cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, (workdir / "uvicorn.log").read_text()[-3000:]
            try:
                if httpx.get(f"{url}/livez", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.3)
        yield url
    finally:
        if process is not None and process.poll() is None:
            process.terminate()
            process.wait(timeout=30)
        stop_embedded(pgdata)


async def _token(http: httpx.AsyncClient, username: str, password: str) -> str:
    r = await http.post("/api/v1/auth/login", json={"username": username, "password": password})
    r.raise_for_status()
    return str(r.json()["access_token"])


async def _accounts(http: httpx.AsyncClient, admin: dict[str, str], count: int) -> list[str]:
    areas = (await http.get("/api/v1/catalogos/areas", headers=admin)).json()
    area_id = (areas["items"] if isinstance(areas, dict) else areas)[0]["id"]
    marca = f"{int(time.time()) % 100000:05d}"
    names = []
    for i in range(count):
        username = f"tormenta{marca}_{i}"
        body = {
            "username": username,
            "email": f"{username}@example.pe",
            "nombre_completo": "Cuenta de Tormenta",
            "password": PASSWORD,
            "rol": "especialista",
            "area_id": area_id,
        }
        (await http.post("/api/v1/usuarios", json=body, headers=admin)).raise_for_status()
        names.append(username)
    return names


async def _pages(http: httpx.AsyncClient, clerk: dict[str, str], until: float) -> list[float]:
    latencies = []
    while time.monotonic() < until:
        start = time.perf_counter()
        r = await http.get(LIST, headers=clerk)
        latencies.append((time.perf_counter() - start) * 1000)
        assert r.status_code == 200, r.text
    return latencies


async def _storm(
    http: httpx.AsyncClient, usernames: list[str], until: float
) -> tuple[dict[int, int], list[float]]:
    """Waves of concurrent logins, one per account, until `until` (the last wave is let finish)."""
    statuses: dict[int, int] = {}
    latencies: list[float] = []

    async def one(i: int, username: str) -> None:
        password = PASSWORD if i % 2 == 0 else "equivocada-000"
        start = time.perf_counter()
        r = await http.post("/api/v1/auth/login", json={"username": username, "password": password})
        latencies.append((time.perf_counter() - start) * 1000)
        statuses[r.status_code] = statuses.get(r.status_code, 0) + 1

    while time.monotonic() < until:
        await asyncio.gather(*(one(i, u) for i, u in enumerate(usernames)))
    return statuses, latencies


def _summary(name: str, latencies: list[float]) -> str:
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (
        f"{name:<12} n={len(ordered):5d}  p50={statistics.median(ordered):8.1f} ms  "
        f"p99={p99:8.1f} ms  max={ordered[-1]:8.1f} ms"
    )


async def measure(
    url: str, admin_user: str, password: str, clerk_user: str, logins: int, seconds: float
) -> None:
    limits = httpx.Limits(max_connections=logins + 10)
    async with httpx.AsyncClient(base_url=url, timeout=300, limits=limits) as http:
        admin = {"Authorization": f"Bearer {await _token(http, admin_user, password)}"}
        clerk = {"Authorization": f"Bearer {await _token(http, clerk_user, password)}"}
        usernames = await _accounts(http, admin, logins)
        await _pages(http, clerk, time.monotonic() + 2)  # warm-up (connections, caches)
        quiet = await _pages(http, clerk, time.monotonic() + seconds)
        until = time.monotonic() + seconds
        storm = asyncio.create_task(_storm(http, usernames, until))
        stormy = await _pages(http, clerk, until)
        started = time.monotonic()
        statuses, login_latencies = await storm
        elapsed = time.monotonic() - started + seconds
    print(_summary("no storm", quiet))
    print(_summary("login storm", stormy))
    print(_summary("logins", login_latencies))
    print(
        f"storm: {logins} concurrent logins per wave, {sum(statuses.values())} logins in {elapsed:.1f} s,"
        f" statuses {statuses}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.login_storm", description=__doc__.split("\n")[0])
    parser.add_argument("--api", help="a running API (skips the throwaway database and server)")
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout whose code is served")
    parser.add_argument("--admin", default="admin")
    parser.add_argument("--clerk", default="mesapartes")
    parser.add_argument("--password", default=PASSWORD, help="admin's and clerk's (with --api)")
    parser.add_argument("--logins", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args(argv)

    def run(url: str) -> None:
        asyncio.run(measure(url, args.admin, args.password, args.clerk, args.logins, args.seconds))

    if args.api:
        run(args.api)
        return 0
    workdir = Path(tempfile.mkdtemp(prefix="login-storm-"))
    try:
        with _served(args.root.resolve(), workdir) as url:
            print(f"serving {args.root.resolve()} at {url}")
            run(url)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
