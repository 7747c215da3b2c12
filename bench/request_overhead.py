"""Per-request cost of this checkout against another one (a baseline commit), side by side.

    git worktree add /tmp/baseline <commit>
    .venv/bin/python bench/request_overhead.py --baseline /tmp/baseline [--documentos N] [--blocks B]

Both servers (one uvicorn process each, no Redis: the in-process cache) run on one embedded
PostgreSQL seeded by this checkout. The endpoints are timed in blocks that alternate between the two
servers, so machine noise hits both alike; for each block the server's own CPU time (psutil) is read
before and after, which is steadier than wall time on a shared machine. Quote the ratios.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.redis_server import free_port  # noqa: E402

PYTHON = str(ROOT / ".venv" / "bin" / "python")
PASSWORD = "clave-de-bench-123"
ENDPOINTS = {
    "list 100": "/api/v1/documentos?page_size=100",
    "detail": "/api/v1/documentos/{id}",
    "catalog (cached)": "/api/v1/catalogos/areas",
    "unmatched route": "/no-such-route",
}


def start(cwd: Path, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [PYTHON, "-m", "uvicorn", "app.main:app", "--port", str(port), "--no-access-log"]
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code in (200, 503):
                return process
        except httpx.HTTPError:
            time.sleep(0.3)
    process.kill()
    raise SystemExit(f"uvicorn in {cwd} did not start")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--baseline", type=Path, required=True, help="a checkout of the baseline commit")
    parser.add_argument("--documentos", type=int, default=20_000)
    parser.add_argument("--blocks", type=int, default=6, help="alternating blocks per endpoint and server")
    parser.add_argument("--requests", type=int, default=60, help="requests per block")
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/bench-overhead"))
    args = parser.parse_args()
    env = {
        **os.environ,
        "DATA_DIR": str(args.data_dir),
        "REDIS_URL": "",
        "JWT_SECRET": "bench-secret-bench-secret-bench-secret-01",
        "ADMIN_PASSWORD": PASSWORD,
        "LOG_LEVEL": "WARNING",
    }
    env.pop("DATABASE_URL", None)
    run = [PYTHON, "-m", "app.ops.cli"]
    subprocess.run([*run, "migrate"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([*run, "demo"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run(
        [*run, "seed", "--documentos", str(args.documentos)], cwd=ROOT, env=env, capture_output=True
    )
    servers = {"this": (ROOT, free_port()), "baseline": (args.baseline.resolve(), free_port())}
    processes = {name: start(cwd, port, env) for name, (cwd, port) in servers.items()}
    try:
        clients = {
            name: httpx.Client(base_url=f"http://127.0.0.1:{port}") for name, (_, port) in servers.items()
        }
        login = {"username": "admin", "password": PASSWORD}
        for client in clients.values():
            token = client.post("/api/v1/auth/login", json=login).json()["access_token"]
            client.headers["Authorization"] = f"Bearer {token}"
        first = clients["this"].get("/api/v1/documentos?page_size=1").json()["items"][0]["id"]
        cpu: dict[tuple[str, str], list[float]] = {}
        wall: dict[tuple[str, str], list[float]] = {}
        for label, path in ENDPOINTS.items():
            path = path.format(id=first)
            for client in clients.values():  # warm-up
                for _ in range(10):
                    client.get(path)
            for block in range(args.blocks):
                order = list(clients) if block % 2 == 0 else list(reversed(clients))
                for name in order:
                    client, process = clients[name], psutil.Process(processes[name].pid)
                    before = sum(process.cpu_times()[:2])
                    for _ in range(args.requests):
                        started = time.perf_counter()
                        client.get(path)
                        wall.setdefault((label, name), []).append(time.perf_counter() - started)
                    used = sum(process.cpu_times()[:2]) - before
                    cpu.setdefault((label, name), []).append(used / args.requests)
        header = ("endpoint", "CPU ms/req this", "baseline", "ratio", "p50 ms this", "baseline")
        print("{:<18} {:>16} {:>9} {:>6}   {:>11} {:>9}".format(*header))
        for label in ENDPOINTS:
            c_this, c_base = (statistics.median(cpu[(label, n)]) * 1000 for n in ("this", "baseline"))
            w_this, w_base = (statistics.median(wall[(label, n)]) * 1000 for n in ("this", "baseline"))
            row = (label, c_this, c_base, c_this / c_base, w_this, w_base)
            print("{:<18} {:>16.2f} {:>9.2f} {:>6.2f}   {:>11.2f} {:>9.2f}".format(*row))
    finally:
        for process in processes.values():
            process.terminate()
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
