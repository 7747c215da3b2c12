"""Catalogs (read for all, write for admin), users, statistics, health and OpenAPI."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import httpx

from app.documentos.plazos import calcular_fecha_limite
from tests.conftest import PASSWORD, World, registrar


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


async def test_user_management_and_login(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], world: World
) -> None:
    username = f"u{uuid.uuid4().hex[:10]}"
    body = {
        "username": username,
        "email": f"{username}@example.pe",
        "nombre_completo": "Ana Torres",
        "password": "una-clave-larga",
        "rol": "especialista",
        "area_id": world.areas["LOG"],
    }
    created = await client.post("/api/v1/usuarios", json=body, headers=tokens["admin"])
    assert created.status_code == 201, created.text
    assert "password" not in created.text and "password_hash" not in created.text
    again = await client.post("/api/v1/usuarios", json=body, headers=tokens["admin"])
    assert again.status_code == 409
    no_area = await client.post(
        "/api/v1/usuarios",
        json={**body, "username": f"{username}x", "email": f"x{username}@example.pe", "area_id": None},
        headers=tokens["admin"],
    )
    assert no_area.status_code == 422
    login = await client.post(
        "/api/v1/auth/login", json={"username": username, "password": "una-clave-larga"}
    )
    assert login.status_code == 200
    me = await client.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {login.json()['access_token']}"}
    )
    assert me.json()["username"] == username and me.json()["rol"] == "especialista"
    await client.patch(
        f"/api/v1/usuarios/{created.json()['id']}", json={"activo": False}, headers=tokens["admin"]
    )
    denied = await client.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {login.json()['access_token']}"}
    )
    assert denied.status_code == 401
    relogin = await client.post(
        "/api/v1/auth/login", json={"username": username, "password": "una-clave-larga"}
    )
    assert relogin.status_code == 401
    assert (
        await client.post("/api/v1/auth/login", json={"username": "admin", "password": PASSWORD})
    ).status_code == 200


async def test_statistics_reflect_registrations(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], world: World
) -> None:
    before = (await client.get("/api/v1/estadisticas", headers=tokens["auditor"])).json()
    await registrar(client, tokens["mesa"], world)
    after = (await client.get("/api/v1/estadisticas", headers=tokens["auditor"])).json()
    assert after["total"] == before["total"] + 1
    por_estado = {c["clave"]: c["total"] for c in after["por_estado"]}
    assert (
        por_estado["registrado"]
        == {c["clave"]: c["total"] for c in before["por_estado"]}.get("registrado", 0) + 1
    )
    assert sum(c["total"] for c in after["por_area"]) == after["total"]
    assert sum(c["total"] for c in after["por_mes"]) == after["total"]
    today = date.today().isoformat()
    bounded = await client.get(
        "/api/v1/estadisticas", params={"fecha_desde": today, "fecha_hasta": today}, headers=tokens["auditor"]
    )
    assert bounded.status_code == 200 and bounded.json()["total"] >= 1
    reversed_range = await client.get(
        "/api/v1/estadisticas",
        params={"fecha_desde": "2026-02-01", "fecha_hasta": "2026-01-01"},
        headers=tokens["auditor"],
    )
    assert reversed_range.status_code == 422


async def test_fecha_limite_follows_the_tupa_plazo(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], world: World
) -> None:
    doc = await registrar(client, tokens["mesa"], world)
    recibido = datetime.fromisoformat(doc["fecha_recepcion"])
    assert doc["fecha_limite"] == calcular_fecha_limite(recibido, world.plazo).isoformat()
    sin_tupa = await registrar(client, tokens["mesa"], world, procedimiento_id=None)
    assert sin_tupa["fecha_limite"] is None


async def test_health_and_openapi(client: httpx.AsyncClient) -> None:
    health = await client.get("/health")
    assert health.status_code == 200 and health.json()["checks"]["database"] == "ok"
    spec = (await client.get("/openapi.json")).json()
    assert "/api/v1/documentos/{documento_id}/derivar" in spec["paths"]
    assert (await client.get("/docs")).status_code == 200
