"""Wall and CPU ms per request of the public tracking lookups: the JSON endpoint (found, wrong code)
and the page, with the ASGI app called in-process (no HTTP server), on a seeded data dir; run it
from two checkouts alternately (as bench/inprocess_cpu.py) to compare them:

    DATA_DIR=/tmp/prof-data .venv/bin/python bench/tracking_inprocess.py after
    (cd /tmp/before && DATA_DIR=/tmp/prof-data .venv/bin/python /path/to/bench/tracking_inprocess.py before)

The label `before` skips the page (older checkouts have none). Prints one line: per request kind,
the median wall and CPU ms of 5 blocks of 300 requests. In-process cache, throttle off."""

import asyncio
import os
import sys
import time

sys.path.insert(0, os.getcwd())
os.environ["LOG_LEVEL"] = "WARNING"
os.environ["REDIS_URL"] = ""
os.environ["SEGUIMIENTO_LIMIT_POR_IP"] = "0"
from sqlalchemy import text

from app.core.database import db
from app.main import app


async def call(path, query=b"", accept=b"application/json"):
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": [(b"host", b"x"), (b"accept", accept)],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    out = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(m):
        out.append(m)

    await app(scope, receive, send)
    return out


async def main():
    async with db.sessionmaker() as s:
        doc = (
            await s.execute(
                text(
                    "SELECT numero_expediente, codigo_verificacion FROM documentos d WHERE "
                    "(SELECT count(*) FROM derivaciones x WHERE x.documento_id = d.id) >= 3 "
                    "AND procedimiento_id IS NOT NULL ORDER BY id DESC LIMIT 1"
                )
            )
        ).one()
    q = f"numero={doc[0]}&codigo={doc[1]}".encode()
    cases = {
        "json": ("/api/v1/seguimiento", q, b"application/json"),
        "json_wrong": (
            "/api/v1/seguimiento",
            f"numero={doc[0]}&codigo=ZZZZ9999".encode(),
            b"application/json",
        ),
    }
    if sys.argv[1] != "before":
        cases["page"] = ("/seguimiento", q, b"text/html")
    res = []
    for name, (p, qq, acc) in cases.items():
        out = await call(p, qq, acc)
        assert out[0]["status"] in (200, 404), (name, out[0])
        for _ in range(50):
            await call(p, qq, acc)
        walls, cpus = [], []
        for _ in range(5):
            n = 300
            t, c = time.perf_counter(), time.process_time()
            for _ in range(n):
                await call(p, qq, acc)
            walls.append((time.perf_counter() - t) / n * 1e3)
            cpus.append((time.process_time() - c) / n * 1e3)
        walls.sort()
        cpus.sort()
        res.append(f"{name}: wall={walls[2]:.3f} cpu={cpus[2]:.3f}")
    print(sys.argv[1], " | ".join(res), flush=True)
    await db.dispose()


asyncio.run(main())
