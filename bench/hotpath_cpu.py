"""CPU per request of the cheapest paths, the service against a bare FastAPI app, side by side in one
process: the ASGI apps are called directly (no HTTP server, no load generator), alternating blocks
of the two, so machine noise hits both alike. The bare app is `bench/floor_app.py`'s: a constant
`/livez` (the benchmark's "bare" endpoint), the areas body built once with its ETag, and FastAPI's
own 404.

    DATA_DIR=<a seeded, upgraded data dir> .venv/bin/python bench/hotpath_cpu.py [label]
        [--no-redis] [--blocks 9] [--requests 2000] [--profile CASE]

With Redis (the default, as the benchmark runs the service) a private `redis-server` is started on
port 58231. It prints, per case, the median CPU µs per request of each app and the median of the
per-block ratios ours / bare (lower is better; the benchmark's req/s ratio is about its inverse,
once uvicorn's own per-request cost, ~50 µs, is added to both sides).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import hashlib
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request, Response

sys.path.insert(0, os.getcwd())
os.environ["LOG_LEVEL"] = "WARNING"  # as the benchmark runs the service

REDIS_PORT = 58231
App = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


def bare_app() -> App:
    bare = FastAPI()
    body = b'[{"id":1,"codigo":"MP","nombre":"Mesa de Partes"}]' * 10
    etag = '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'

    @bare.get("/livez")
    async def livez() -> Response:
        return Response(b'{"status":"ok"}', media_type="application/json")

    @bare.get("/api/v1/catalogos/areas")
    async def areas(request: Request) -> Response:
        headers = {"ETag": etag, "Cache-Control": "public, max-age=900", "x-query-count": "0"}
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers=headers)
        return Response(body, media_type="application/json", headers=headers)

    return bare  # type: ignore[return-value]


async def call(app: App, path: str, headers: tuple[tuple[bytes, bytes], ...] = ()) -> list[dict[str, Any]]:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"x"), (b"user-agent", b"wrk"), *headers],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
        "state": {},
    }
    out: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        out.append(message)

    await app(scope, receive, send)
    return out


async def block(app: App, path: str, headers: tuple[tuple[bytes, bytes], ...], n: int) -> float:
    started = time.process_time()
    for _ in range(n):
        await call(app, path, headers)
    return (time.process_time() - started) / n * 1e6


async def main(args: argparse.Namespace) -> None:
    from app.core.database import db
    from app.main import app as ours

    bare = bare_app()
    async with ours.router.lifespan_context(ours):
        first = await call(ours, "/api/v1/catalogos/areas")
        assert first[0]["status"] == 200, first
        etag = dict(first[0]["headers"])[b"etag"]
        bare_first = await call(bare, "/api/v1/catalogos/areas")
        assert bare_first[0]["status"] == 200, bare_first
        bare_etag = dict(bare_first[0]["headers"])[b"etag"]
        cases: dict[str, tuple[tuple[str, tuple[tuple[bytes, bytes], ...], int], tuple[str, Any, int]]] = {
            "catalog hit / bare livez": (("/api/v1/catalogos/areas", (), 200), ("/livez", (), 200)),
            "catalog hit / bare catalog": (
                ("/api/v1/catalogos/areas", (), 200),
                ("/api/v1/catalogos/areas", (), 200),
            ),
            "catalog 304 / bare 304": (
                ("/api/v1/catalogos/areas", ((b"if-none-match", etag),), 304),
                ("/api/v1/catalogos/areas", ((b"if-none-match", bare_etag),), 304),
            ),
            "livez / bare livez": (("/livez", (), 200), ("/livez", (), 200)),
            "unmatched / bare 404": (("/nope/x", (), 404), ("/nope/x", (), 404)),
        }
        for name, ((path, headers, status), (bare_path, bare_headers, bare_status)) in cases.items():
            assert (await call(ours, path, headers))[0]["status"] == status, name
            assert (await call(bare, bare_path, bare_headers))[0]["status"] == bare_status, name
        if args.profile:
            (path, headers, _), _bare = cases[args.profile]
            await block(ours, path, headers, 500)
            profiler = cProfile.Profile()
            profiler.enable()
            await block(ours, path, headers, args.requests)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
            await db.dispose()
            return
        results: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in cases}
        for (path, headers, _), (bare_path, bare_headers, _) in cases.values():
            await block(ours, path, headers, 300)  # warm-up
            await block(bare, bare_path, bare_headers, 300)
        for _ in range(args.blocks):
            for name, ((path, headers, _), (bare_path, bare_headers, _)) in cases.items():
                results[name][0].append(await block(ours, path, headers, args.requests))
                results[name][1].append(await block(bare, bare_path, bare_headers, args.requests))
    await db.dispose()

    def median(values: list[float]) -> float:
        ordered = sorted(values)
        return ordered[len(ordered) // 2]

    print(
        f"{args.label} ({'redis' if not args.no_redis else 'no redis'}; median of {args.blocks} blocks "
        f"of {args.requests})"
    )
    print(f"{'case':<30} {'ours µs':>9} {'bare µs':>9} {'ours/bare':>10}")
    for name, (mine, theirs) in results.items():
        ratio = median([a / b for a, b in zip(mine, theirs, strict=True)])
        print(f"{name:<30} {median(mine):9.1f} {median(theirs):9.1f} {ratio:10.2f}")


def run() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("label", nargs="?", default="this")
    parser.add_argument("--no-redis", action="store_true")
    parser.add_argument("--blocks", type=int, default=9)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--profile", default=None)
    args = parser.parse_args()
    redis: subprocess.Popen[bytes] | None = None
    workdir = tempfile.mkdtemp(prefix="hotpath-redis-")
    if args.no_redis:
        os.environ["REDIS_URL"] = ""
    else:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        redis = subprocess.Popen(
            [binary, "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", workdir],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        time.sleep(0.3)
        os.environ["REDIS_URL"] = f"redis://127.0.0.1:{REDIS_PORT}/0"
        os.environ["CACHE_PREFIX"] = "hotpath"
    try:
        asyncio.run(main(args))
    finally:
        if redis is not None:
            redis.terminate()
            redis.wait()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    run()
