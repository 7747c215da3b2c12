"""CPU per request of the service's own code: the ASGI app called in-process (no HTTP server, no
load generator), so machine noise and uvicorn are out of the figure. Run it from a checkout (this
one, or `git worktree add` of another commit) on a seeded data dir, alternating between checkouts:

    DATA_DIR=/tmp/prof-data .venv/bin/python bench/inprocess_cpu.py this
    (cd /tmp/baseline && DATA_DIR=/tmp/prof-data .venv/bin/python /path/to/bench/inprocess_cpu.py before)

It prints one line: the label, then the median CPU ms per request of 5 blocks for each endpoint
(the tracking page only where the checkout has it).
Tokens are signed the way the checkout signs them (with or without the password stamp)."""

import asyncio
import inspect
import os
import sys
import time

sys.path.insert(0, os.getcwd())
os.environ["LOG_LEVEL"] = "WARNING"
os.environ["REDIS_URL"] = ""  # the in-process cache: no Redis round trip in the figure
os.environ["SEGUIMIENTO_LIMIT_POR_IP"] = "0"  # else tracking is measured as its 429 after 30 calls
from sqlalchemy import select, text

from app.core import security
from app.core.database import db
from app.main import app
from app.usuarios.models import Rol, Usuario


async def call(path, query=b"", headers=()):
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
        "headers": [(b"host", b"x"), *headers],
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
        u = (
            await s.execute(
                select(Usuario.id, Usuario.password_hash).where(Usuario.rol == Rol.ADMIN).limit(1)
            )
        ).one()
        doc = (
            await s.execute(
                text(
                    "SELECT id, numero_expediente, codigo_verificacion FROM documentos"
                    " WHERE id IN (SELECT documento_id FROM derivaciones) ORDER BY id DESC LIMIT 1"
                )
            )
        ).one()
    if len(inspect.signature(security.create_access_token).parameters) == 2:
        from app.usuarios.principal import sello_de

        if len(inspect.signature(sello_de).parameters) == 2:  # with the session version (issue 13)
            async with db.sessionmaker() as s:
                sql = text("SELECT version_sesion FROM usuarios WHERE id = :id")
                version = await s.scalar(sql, {"id": u.id})
            tok = security.create_access_token(u.id, sello_de(u.password_hash, version))[0]
        else:
            tok = security.create_access_token(u.id, sello_de(u.password_hash))[0]
    else:
        tok = security.create_access_token(u.id)[0]
    h = [(b"authorization", f"Bearer {tok}".encode())]
    cases = {
        "list 100": ("/api/v1/documentos", b"page_size=100", h),
        "detail": (f"/api/v1/documentos/{doc.id}", b"", h),
        "tracking": (
            "/api/v1/seguimiento",
            f"numero={doc.numero_expediente}&codigo={doc.codigo_verificacion}".encode(),
            (),
        ),
        "tracking page": (
            "/seguimiento",
            f"numero={doc.numero_expediente}&codigo={doc.codigo_verificacion}".encode(),
            ((b"accept", b"text/html"),),
        ),
        "catalog": ("/api/v1/catalogos/areas", b"", ()),
        "unmatched": ("/nope", b"", ()),
        "livez": ("/livez", b"", ()),
    }
    res = {}
    for name, (p, q, hh) in cases.items():
        out = await call(p, q, hh)
        if name == "tracking page" and out[0]["status"] == 404:
            continue  # a checkout from before the page (issue 14)
        assert out[0]["status"] in (200, 404), (name, out)
        for _ in range(30):
            await call(p, q, hh)
        samples = []
        for _ in range(5):
            n = 60 if name.startswith("list") else 200
            t = time.process_time()
            for _ in range(n):
                await call(p, q, hh)
            samples.append((time.process_time() - t) / n * 1e3)
        samples.sort()
        res[name] = samples[len(samples) // 2]
    label = sys.argv[1] if len(sys.argv) > 1 else "this"
    print(label, " ".join(f"{k}={v:.3f}" for k, v in res.items()), flush=True)
    await db.dispose()


asyncio.run(main())
