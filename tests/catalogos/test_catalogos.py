"""Catalogs: read by every role, written by the admin (areas, procedimientos with their cost), a
duplicate codigo refused, and an inactive area that cannot receive a routing.
"""

from __future__ import annotations

import os
import uuid

import httpx
import pytest
from redis.asyncio import Redis

from app.cache_policy import CATALOGOS
from app.core.cache import get_cache
from tests.conftest import World, counted, registrar


async def test_catalog_crud_by_admin(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], world: World
) -> None:
    codigo = f"A{uuid.uuid4().hex[:8]}"
    created = await client.post(
        "/api/v1/catalogos/areas",
        json={
            "codigo": codigo,
            "nombre": "Oficina de Control Institucional",
            "sigla": "OCI",
            "parent_id": world.areas["OGA"],
        },
        headers=tokens["admin"],
    )
    assert created.status_code == 201, created.text
    area = created.json()
    duplicate = await client.post(
        "/api/v1/catalogos/areas",
        json={"codigo": codigo, "nombre": "Otra", "sigla": "X"},
        headers=tokens["admin"],
    )
    assert duplicate.status_code == 409
    assert duplicate.json()["field"] == "codigo"
    updated = await client.patch(
        f"/api/v1/catalogos/areas/{area['id']}", json={"activo": False}, headers=tokens["admin"]
    )
    assert updated.status_code == 200 and updated.json()["activo"] is False
    listed = await client.get("/api/v1/catalogos/areas", headers=tokens["oaj"])
    assert codigo in {a["codigo"] for a in listed.json()}
    for path in ("tipos-documento", "procedimientos", "indicaciones", "monedas", "paises"):
        response = await client.get(f"/api/v1/catalogos/{path}", headers=tokens["auditor"])
        assert response.status_code == 200 and len(response.json()) >= 1, path
    proc = await client.post(
        "/api/v1/catalogos/procedimientos",
        json={
            "codigo": f"P{codigo}",
            "nombre": "Licencia",
            "plazo_dias": 15,
            "costo": "45.50",
            "area_id": world.areas["OGA"],
        },
        headers=tokens["admin"],
    )
    assert proc.status_code == 201, proc.text
    assert proc.json()["costo"] == "45.50"


async def test_inactive_area_cannot_receive_routing(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], world: World
) -> None:
    created = await client.post(
        "/api/v1/catalogos/areas",
        json={"codigo": f"I{uuid.uuid4().hex[:8]}", "nombre": "Inactiva", "sigla": "INA", "activo": False},
        headers=tokens["admin"],
    )
    doc = await registrar(client, tokens["mesa"], world)
    response = await client.post(
        f"/api/v1/documentos/{doc['id']}/derivar",
        json={"version": doc["version"], "destinos": [{"area_id": created.json()["id"]}]},
        headers=tokens["mesa"],
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "destinos.area_id"


async def cache_commands(raw: Redis) -> dict[str, int]:
    """How many times the suite's Redis has run each command the cache reads or writes with (other
    clients of the suite's Redis, a task queue, use others)."""
    stats = await raw.info("commandstats")
    return {
        name: int(stats.get(f"cmdstat_{name}", {}).get("calls", 0))
        for name in ("mget", "get", "evalsha", "set")
    }


@pytest.mark.needs_redis
async def test_a_catalog_hit_is_served_without_redis_or_the_database(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], world: World
) -> None:
    """The near copy (`lista_publica`): after the first read, a GET asks neither Redis nor the
    database and answers the same bytes and ETag; `If-None-Match` still gives 304; a catalog write
    in this process makes the very next read fresh."""
    url = "/api/v1/catalogos/areas"
    first, stats = await counted(client.get(url))
    assert first.status_code == 200 and stats.count == 1
    etag = first.headers["etag"]
    near_hits = get_cache().stats[CATALOGOS].near_hits
    raw = Redis.from_url(os.environ["REDIS_URL"])
    before = await cache_commands(raw)
    for _ in range(20):
        hit, stats = await counted(client.get(url))
        assert hit.status_code == 200 and stats.count == 0
        assert hit.content == first.content and hit.headers["etag"] == etag
        assert hit.headers["cache-control"] == "public, max-age=900"
        assert hit.headers["content-type"] == "application/json"
        assert int(hit.headers["content-length"]) == len(first.content)
    not_modified, stats = await counted(client.get(url, headers={"If-None-Match": etag}))
    assert not_modified.status_code == 304 and stats.count == 0 and not_modified.content == b""
    assert not_modified.headers["etag"] == etag
    assert not_modified.headers["cache-control"] == "public, max-age=900"
    after = await cache_commands(raw)
    await raw.aclose()
    assert after == before  # not one cache read went to Redis
    assert get_cache().stats[CATALOGOS].near_hits == near_hits + 21

    codigo = f"N{uuid.uuid4().hex[:8]}"
    created = await client.post(
        url, json={"codigo": codigo, "nombre": "Near", "sigla": "NR"}, headers=tokens["admin"]
    )
    assert created.status_code == 201, created.text
    fresh = await client.get(url, headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and fresh.headers["etag"] != etag
    assert codigo in {area["codigo"] for area in fresh.json()}
