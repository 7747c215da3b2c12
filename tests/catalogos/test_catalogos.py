"""Catalogs: read by every role, written by the admin (areas, procedimientos with their cost), a
duplicate codigo refused, and an inactive area that cannot receive a routing.
"""

from __future__ import annotations

import uuid

import httpx

from tests.conftest import World, registrar


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
    assert duplicate.json()["detail"]["field"] == "codigo"
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
    assert response.json()["detail"][0]["loc"][-1] == "destinos.area_id"
