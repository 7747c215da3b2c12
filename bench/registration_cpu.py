"""CPU per registration (`POST /api/v1/documentos`) of the service's own code: the ASGI app called
in-process (no HTTP server, no load generator), with a private `redis-server` serving the cache and
the Celery broker as in production. Each request is the benchmark's registration (bench/scenarios.py
`registration_template`, bench/requests.lua): a fresh sender DNI and a fresh Idempotency-Key.

    DATA_DIR=<a seeded, upgraded data dir> .venv/bin/python bench/registration_cpu.py [label]
        [--blocks 5] [--requests 200] [--port 58300] [--floor] [--profile [--dump FILE]]
        [--profile-enqueue]

Run it from a checkout (this one, or a copy of another version) on the same data dir, alternating
between checkouts, as `bench/inprocess_cpu.py`: the script puts the current directory first on
the import path. CPU is `time.process_time()`, so work done in other threads (a publish through
kombu, in a worker thread) counts. `--profile` prints cProfile (timer: process time) of the main
thread; `--profile-enqueue` profiles `TaskQueue.enqueue` alone (kombu's publish, which the first
profile does not see when it runs in a thread). `--floor` alternates blocks of the service with
blocks of `bench/floor_app.py`'s registration (same database and Redis) and prints the ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, os.getcwd())
os.environ["LOG_LEVEL"] = "WARNING"  # as the benchmark runs the service

BODY = (
    b'{"tipo_documento_id":%d,"procedimiento_id":%d,"asunto":"Solicito licencia de funcionamiento'
    b' para bodega, solicitud de prueba %d","folios":3,"remitente":{"tipo_persona":"natural",'
    b'"tipo_documento_identidad":"DNI","numero_documento_identidad":"%08d","nombre":'
    b'"Mar\xc3\xada Quispe Huam\xc3\xa1n"}}'
)


class Registrar:
    """Builds and sends one registration per call, each with a new DNI and Idempotency-Key."""

    def __init__(
        self, app: Any, token: str, tipo_id: int, procedimiento_id: int, dni_offset: int = 0
    ) -> None:
        self.app = app
        self.token = token.encode()
        self.tipo_id = tipo_id
        self.procedimiento_id = procedimiento_id
        self.nonce = uuid.uuid4().hex[:8]
        self.n = 0
        self.dni_base = int(time.time() * 1000) % 40_000_000 + dni_offset

    async def __call__(self) -> int:
        self.n += 1
        body = BODY % (self.tipo_id, self.procedimiento_id, self.n, (self.dni_base + self.n) % 100_000_000)
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": "/api/v1/documentos",
            "raw_path": b"/api/v1/documentos",
            "query_string": b"",
            "root_path": "",
            "headers": [
                (b"host", b"x"),
                (b"user-agent", b"wrk"),
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"authorization", b"Bearer " + self.token),
                (b"idempotency-key", f"{self.nonce}-{self.n}".encode()),
            ],
            "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 80),
            "state": {},
        }
        status = 0

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]

        await self.app(scope, receive, send)
        return status


async def block(registrar: Registrar, n: int) -> float:
    started = time.process_time()
    for _ in range(n):
        status = await registrar()
        assert status == 201, status
    return (time.process_time() - started) / n * 1e3


async def main(args: argparse.Namespace) -> None:
    from sqlalchemy import text

    from app.core import security
    from app.core.database import db
    from app.main import app

    async with app.router.lifespan_context(app):
        async with db.sessionmaker() as session:
            admin = (
                await session.execute(
                    text("SELECT id, password_hash FROM usuarios WHERE rol = 'admin' AND activo LIMIT 1")
                )
            ).one()
            tipo_id = (
                await session.execute(text("SELECT min(id) FROM tipos_documento WHERE activo"))
            ).scalar()
            procedimiento_id = (
                await session.execute(text("SELECT min(id) FROM procedimientos WHERE activo"))
            ).scalar()
        from app.usuarios.principal import sello_de

        token = security.create_access_token(admin.id, sello_de(admin.password_hash))[0]
        registrar = Registrar(app, token, tipo_id, procedimiento_id)
        await block(registrar, 50)  # warm-up: prepared statements, pools, the broker connection
        if args.profile_enqueue:
            from app.core.task_queue import get_task_queue

            queue = get_task_queue()
            for _ in range(50):
                queue.enqueue("mesa_partes.generar_cargo_pdf", {"documento_id": 1})
            profiler = cProfile.Profile(time.process_time)
            started = time.process_time()
            profiler.enable()
            for _ in range(args.requests):
                queue.enqueue("mesa_partes.generar_cargo_pdf", {"documento_id": 1})
            profiler.disable()
            print(
                f"enqueue: {(time.process_time() - started) / args.requests * 1e3:.3f} ms CPU each (profiled)"
            )
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
        elif args.profile:
            profiler = cProfile.Profile(time.process_time)
            profiler.enable()
            await block(registrar, args.requests)
            profiler.disable()
            profiler.dump_stats(args.dump) if args.dump else None
            pstats.Stats(profiler).sort_stats("tottime").print_stats(40)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(80)
        elif args.floor:
            await floor_side_by_side(args, registrar, token, tipo_id, procedimiento_id)
        else:
            samples = [await block(registrar, args.requests) for _ in range(args.blocks)]
            samples.sort()
            print(
                f"{args.label} registration CPU ms/request: median {samples[len(samples) // 2]:.3f}"
                f" (blocks {' '.join(f'{s:.3f}' for s in samples)})",
                flush=True,
            )
    await db.dispose()


def median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


async def floor_side_by_side(
    args: argparse.Namespace, ours: Registrar, token: str, tipo_id: int, procedimiento_id: int
) -> None:
    """The service and `bench/floor_app.py`'s registration (same database, same Redis for its two
    queued tasks), alternating blocks in this process."""
    from app.core.database import db

    os.environ["FLOOR_DSN"] = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    os.environ["FLOOR_DATA_DIR"] = os.environ["DATA_DIR"]
    os.environ["FLOOR_REDIS_URL"] = os.environ["REDIS_URL"]
    from bench.floor_app import app as floor_app

    async with floor_app.router.lifespan_context(floor_app):
        floor = Registrar(floor_app, token, tipo_id, procedimiento_id, dni_offset=50_000_000)
        await block(floor, 50)
        mine: list[float] = []
        theirs: list[float] = []
        for _ in range(args.blocks):
            mine.append(await block(ours, args.requests))
            theirs.append(await block(floor, args.requests))
    ratio = median([a / b for a, b in zip(mine, theirs, strict=True)])
    print(
        f"{args.label} registration CPU ms/request: ours {median(mine):.3f}, floor {median(theirs):.3f},"
        f" ours/floor {ratio:.2f} (median of {args.blocks} blocks of {args.requests})",
        flush=True,
    )


def run() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("label", nargs="?", default="this")
    parser.add_argument("--blocks", type=int, default=5)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--port", type=int, default=58300)
    parser.add_argument(
        "--floor", action="store_true", help="alternate with bench/floor_app.py's registration"
    )
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--profile-enqueue", action="store_true")
    parser.add_argument("--dump", default=None, help="with --profile: also write the stats to this file")
    args = parser.parse_args()
    from tests.redis_server import RedisServer

    with tempfile.TemporaryDirectory(prefix="regcpu-redis-") as workdir:
        redis = RedisServer(Path(workdir), args.port)
        redis.start()
        os.environ["REDIS_URL"] = redis.url
        os.environ["CELERY_BROKER_URL"] = redis.url
        os.environ["CACHE_PREFIX"] = "regcpu"
        try:
            asyncio.run(main(args))
        finally:
            redis.stop()


if __name__ == "__main__":
    run()
