"""User management by the admin and login: a created user logs in, a duplicate or an especialista
without area is refused, and a deactivated user's token and password stop working.
"""

from __future__ import annotations

import uuid

import httpx

from tests.conftest import PASSWORD, World


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
