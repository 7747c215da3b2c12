"""The benchmark's data: a data dir seeded by the project's bulk loader (reused when it already
holds enough documents), the baseline's copy of the database, the samples the request files are
made of, and the users (admin, an especialista of a busy area) with their tokens."""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench.procs import PYTHON, ROOT, Processes, Server
from bench.scenarios import Samples

DATABASE = "mesa_partes"
BASELINE_DATABASE = "mesa_partes_baseline"
PASSWORD = "bench-admin-password-1"  # ADMIN_PASSWORD of the seed, and the especialista's
ESPECIALISTA = "bench.especialista"
WORD = re.compile(r"[a-záéíóúñü]{4,}")


@dataclass
class DataDir:
    path: Path
    socket: str  # the embedded server's unix socket directory
    documentos: int
    seeded_now: bool
    seed_seconds: float | None

    def dsn(self, database: str = DATABASE) -> str:
        return f"postgresql://postgres@/{database}?host={self.socket}"

    def sqlalchemy_url(self, database: str = DATABASE) -> str:
        return f"postgresql+asyncpg://postgres@/{database}?host={self.socket}"


async def _fetch(dsn: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(dsn)
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


def fetch(dsn: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    return asyncio.run(_fetch(dsn, sql, *args))


def prepare(procs: Processes, path: Path, documentos: int, env: dict[str, str]) -> DataDir:
    """Migrate `path` and seed it up to `documentos` documents (none when it already has them)."""
    path.mkdir(parents=True, exist_ok=True)
    env = {**env, "DATA_DIR": str(path), "ADMIN_PASSWORD": PASSWORD, "REDIS_URL": ""}
    socket = procs.hold_postgres(path / "pg")
    log = procs.workdir / f"seed-{path.name}.log"
    procs.run([str(ROOT / ".venv" / "bin" / "alembic"), "upgrade", "head"], env, log)
    data = DataDir(path, socket, 0, False, None)
    existing = fetch(data.dsn(), "SELECT count(*) FROM documentos")[0][0]
    if existing >= documentos:
        print(f"  {path}: reusing {existing:,} documents", flush=True)
        data.documentos = existing
        return data
    missing = documentos - existing
    print(f"  {path}: seeding {missing:,} documents (bulk loader)...", flush=True)
    started = time.perf_counter()
    procs.run([PYTHON, "-m", "app.ops.cli", "seed", "--documentos", str(missing)], env, log)
    data.seed_seconds = round(time.perf_counter() - started, 1)
    data.seeded_now = True
    data.documentos = fetch(data.dsn(), "SELECT count(*) FROM documentos")[0][0]
    print(f"  seeded in {data.seed_seconds} s", flush=True)
    return data


async def _copy(data: DataDir) -> None:
    conn = await asyncpg.connect(data.dsn("postgres"))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{BASELINE_DATABASE}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{BASELINE_DATABASE}" TEMPLATE "{DATABASE}" STRATEGY FILE_COPY')
    finally:
        await conn.close()


def baseline_copy(procs: Processes, data: DataDir, env: dict[str, str]) -> dict[str, Any]:
    """A fresh copy of the database for the baseline, without its secondary indexes."""
    started = time.perf_counter()
    asyncio.run(_copy(data))
    log = procs.workdir / "baseline-db.log"
    procs.run([PYTHON, "-m", "bench.baseline_db", data.sqlalchemy_url(BASELINE_DATABASE)], env, log)
    import json

    result: dict[str, Any] = json.loads(log.read_text().strip().splitlines()[-1])
    result["seconds"] = round(time.perf_counter() - started, 1)
    return result


def samples(data: DataDir, words: int = 300) -> Samples:
    dsn = data.dsn()
    ids = [r[0] for r in fetch(dsn, "SELECT id FROM documentos ORDER BY random() LIMIT 2000")]
    tracking = [
        (r[0], r[1])
        for r in fetch(
            dsn, "SELECT numero_expediente, codigo_verificacion FROM documentos ORDER BY random() LIMIT 2000"
        )
    ]
    busy = fetch(dsn, "SELECT area_destino_id FROM derivaciones GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")[
        0
    ][0]
    area, estado = fetch(
        dsn, "SELECT area_actual_id, estado FROM documentos GROUP BY 1, 2 ORDER BY count(*) DESC LIMIT 1"
    )[0]
    asuntos = [r[0] for r in fetch(dsn, "SELECT asunto FROM documentos ORDER BY random() LIMIT 5000")]
    frequency = Counter(w for a in asuntos for w in set(WORD.findall(a.lower())))
    candidates = [w for w, n in frequency.most_common(words * 2) if n >= 3]
    # Words the Spanish configuration keeps (not stop words): a search for them finds something.
    useful = {
        r[0]
        for r in fetch(
            dsn,
            "SELECT w FROM unnest($1::text[]) w"
            " WHERE numnode(websearch_to_tsquery('spanish', unaccent(w))) > 0",
            candidates,
        )
    }
    vocabulary = [w for w in candidates if w in useful][:words]
    kept = set(vocabulary)
    pairs: dict[str, None] = {}
    for asunto in asuntos:
        found = list(dict.fromkeys(w for w in WORD.findall(asunto.lower()) if w in kept))
        for i, a in enumerate(found):
            for b in found[i + 1 :]:
                pairs[f"{a} {b}"] = None
    tipo = fetch(dsn, "SELECT id FROM tipos_documento WHERE activo ORDER BY id LIMIT 1")[0][0]
    procedimiento = fetch(dsn, "SELECT id FROM procedimientos WHERE activo ORDER BY id LIMIT 1")[0][0]
    sender = fetch(
        dsn,
        "SELECT tipo_persona, tipo_documento_identidad, numero_documento_identidad, nombre FROM remitentes "
        "WHERE tipo_documento_identidad = 'DNI' ORDER BY id LIMIT 1",
    )[0]
    return Samples(
        ids=ids,
        tracking=tracking,
        words=vocabulary,
        pairs=list(pairs),
        busy_area=busy,
        filter_area=area,
        filter_estado=estado,
        tipo_id=tipo,
        procedimiento_id=procedimiento,
        known_sender=dict(sender),
    )


def login(server: Server, username: str) -> str:
    r = httpx.post(
        f"{server.url}/api/v1/auth/login", json={"username": username, "password": PASSWORD}, timeout=30
    )
    if r.status_code != 200:
        raise SystemExit(
            f"login as {username} on {server.name} failed ({r.status_code} {r.text[:200]}): the data dir was "
            "seeded with another ADMIN_PASSWORD; remove it (or pass another --data-root) so that the bench "
            "seeds it"
        )
    token: str = r.json()["access_token"]
    return token


def tokens(server: Server, admin: str, area_id: int) -> dict[str, str]:
    """Admin and especialista tokens on `server` (the especialista is created, or moved to `area_id`)."""
    admin_token = login(server, admin)
    auth = {"Authorization": f"Bearer {admin_token}"}
    with httpx.Client(base_url=server.url, headers=auth, timeout=30) as http:
        cuenta = {
            "username": ESPECIALISTA,
            "email": f"{ESPECIALISTA}@bench.example.com",
            "nombre_completo": "Especialista de Benchmark",
            "password": PASSWORD,
            "rol": "especialista",
            "area_id": area_id,
        }
        r = http.post("/api/v1/usuarios", json=cuenta)
        if r.status_code == 409:
            existing = [u for u in http.get("/api/v1/usuarios").json() if u["username"] == ESPECIALISTA]
            if existing and existing[0]["area_id"] != area_id:
                http.patch(
                    f"/api/v1/usuarios/{existing[0]['id']}", json={"area_id": area_id}
                ).raise_for_status()
        elif r.status_code != 201:
            raise SystemExit(f"creating {ESPECIALISTA} on {server.name}: {r.status_code} {r.text[:300]}")
    return {"A": admin_token, "E": login(server, ESPECIALISTA)}
