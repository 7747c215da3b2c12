"""Statements per request and the database's share of the request time, per endpoint.

    DATA_DIR=<a seeded data dir> .venv/bin/python bench/query_profile.py [--requests N]

Runs the real application in-process (httpx ASGI transport, no network), with the cache disabled so
that every request reaches PostgreSQL, and reads each response's `Server-Timing` header
(`db;dur=…;desc="N queries", app;dur=…`, written by the query-monitoring middleware). Prints a
Markdown table: median statements, median DB ms, median request ms, and DB ms / request ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ["CACHE_ENABLED"] = "false"
os.environ["QUERY_COUNT_HEADER"] = "true"
os.environ.setdefault("SLOW_QUERY_MS", "100000")

import httpx  # noqa: E402
from sqlalchemy import select  # noqa: E402

from app.core.database import db  # noqa: E402
from app.core.security import create_access_token  # noqa: E402
from app.main import app  # noqa: E402
from app.ops.named_queries import muestra  # noqa: E402
from app.usuarios.models import (  # noqa: E402
    Rol,
    Usuario,
)
from app.usuarios.principal import sello_de  # noqa: E402

TIMING = re.compile(r'db;dur=([\d.]+);desc="(\d+) queries", app;dur=([\d.]+)')


async def main(requests: int) -> None:
    async with db.sessionmaker() as session:
        sample = await muestra(session)
        admin = (await session.scalars(select(Usuario).where(Usuario.rol == Rol.ADMIN).limit(1))).one()
        especialista = (
            await session.scalars(
                select(Usuario).where(Usuario.rol == Rol.ESPECIALISTA, Usuario.area_id.is_not(None)).limit(1)
            )
        ).one()
    tokens = [create_access_token(u.id, sello_de(u.password_hash))[0] for u in (admin, especialista)]
    as_admin, as_especialista = ({"Authorization": f"Bearer {token}"} for token in tokens)
    d = sample.documento_id
    endpoints = [
        ("GET /documentos?page_size=100", "/api/v1/documentos?page_size=100", as_admin),
        ("GET /documentos?q=<rare word>", f"/api/v1/documentos?q={sample.palabra}", as_admin),
        (
            "GET /documentos?area_id=&vencidos=true",
            f"/api/v1/documentos?area_id={sample.area_id}&vencidos=true",
            as_admin,
        ),
        ("GET /documentos (especialista)", "/api/v1/documentos", as_especialista),
        ("GET /documentos/{id}", f"/api/v1/documentos/{d}", as_admin),
        ("GET /documentos/{id}/historial", f"/api/v1/documentos/{d}/historial", as_admin),
        ("GET /seguimiento", None, {}),
        (
            "GET /derivaciones?area_destino_id=",
            f"/api/v1/derivaciones?area_destino_id={sample.area_id}",
            as_admin,
        ),
        ("GET /historial", "/api/v1/historial", as_admin),
        ("GET /estadisticas", "/api/v1/estadisticas", as_admin),
        ("GET /estadisticas (especialista)", "/api/v1/estadisticas", as_especialista),
        ("GET /catalogos/areas", "/api/v1/catalogos/areas", {}),
        ("GET /auth/me", "/api/v1/auth/me", as_admin),
    ]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        detail = (await client.get(f"/api/v1/documentos/{d}", headers=as_admin)).json()
        seguimiento = (
            f"/api/v1/seguimiento?numero={detail['numero_expediente']}&codigo={detail['codigo_verificacion']}"
        )
        print("| endpoint | statements | DB ms (p50) | request ms (p50) | DB share |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for label, url, headers in endpoints:
            url = url or seguimiento
            rows = []
            for _ in range(requests + 2):
                response = await client.get(url, headers=headers)
                assert response.status_code == 200, (label, response.status_code, response.text[:200])
                match = TIMING.search(response.headers["server-timing"])
                assert match, response.headers["server-timing"]
                rows.append((float(match[1]), int(match[2]), float(match[3])))
            rows = rows[2:]  # warm-up
            db_ms = statistics.median(r[0] for r in rows)
            app_ms = statistics.median(r[2] for r in rows)
            count = statistics.median(r[1] for r in rows)
            print(f"| `{label}` | {count:g} | {db_ms:.2f} | {app_ms:.2f} | {db_ms / app_ms:.0%} |")
    await db.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=20)
    asyncio.run(main(parser.parse_args().requests))
