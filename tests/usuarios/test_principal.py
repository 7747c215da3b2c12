"""The principal behind a token is cached, and every account change reaches the next request: a new
password, a new role or área and a deactivation retire the tokens issued before (a reactivation does
not bring them back), other edits keep them, and a token without the stamp is refused. Warm, the
account costs no statement."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import jwt
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.security import _jwt_secret
from app.usuarios.models import Usuario
from app.usuarios.principal import sello_de
from tests.conftest import World, counted
from tests.helpers import usuario_payload

API = "/api/v1"


async def _login(client: httpx.AsyncClient, username: str, password: str) -> dict[str, str]:
    response = await client.post(f"{API}/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def _nuevo_usuario(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], world: World
) -> tuple[str, str, dict[str, str]]:
    """A new especialista created by the admin: its URL, its username and its first token's headers."""
    body = usuario_payload(world)
    created = await client.post(f"{API}/usuarios", json=body, headers=tokens["admin"])
    assert created.status_code == 201, created.text
    headers = await _login(client, body["username"], body["password"])
    return f"{API}/usuarios/{created.json()['id']}", body["username"], headers


async def test_a_role_change_retires_the_tokens_and_the_new_role_applies_at_the_next_login(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], world: World
) -> None:
    url, username, headers = await _nuevo_usuario(client, tokens, world)
    assert (await client.get(f"{API}/usuarios", headers=headers)).status_code == 403

    promoted = await client.patch(url, json={"rol": "admin"}, headers=tokens["admin"])
    assert promoted.status_code == 200, promoted.text
    assert (await client.get(f"{API}/usuarios", headers=headers)).status_code == 401
    admin = await _login(client, username, usuario_payload(world)["password"])
    assert (await client.get(f"{API}/usuarios", headers=admin)).status_code == 200

    demoted = await client.patch(url, json={"rol": "auditor"}, headers=tokens["admin"])
    assert demoted.status_code == 200, demoted.text
    # A token issued as admin keeps no admin power after the demotion.
    assert (await client.get(f"{API}/usuarios", headers=admin)).status_code == 401


async def test_an_area_change_retires_the_tokens_and_a_name_change_does_not(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], world: World
) -> None:
    url, _, headers = await _nuevo_usuario(client, tokens, world)
    renamed = await client.patch(url, json={"nombre_completo": "Otro Nombre"}, headers=tokens["admin"])
    assert renamed.status_code == 200, renamed.text
    assert (await client.get(f"{API}/auth/me", headers=headers)).status_code == 200
    moved = await client.patch(url, json={"area_id": world.areas["OGA"]}, headers=tokens["admin"])
    assert moved.status_code == 200, moved.text
    assert (await client.get(f"{API}/auth/me", headers=headers)).status_code == 401


async def test_a_reactivation_does_not_bring_back_the_tokens_of_before(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], world: World
) -> None:
    url, username, headers = await _nuevo_usuario(client, tokens, world)
    assert (await client.patch(url, json={"activo": False}, headers=tokens["admin"])).status_code == 200
    assert (await client.get(f"{API}/auth/me", headers=headers)).status_code == 401
    assert (await client.patch(url, json={"activo": True}, headers=tokens["admin"])).status_code == 200
    assert (await client.get(f"{API}/auth/me", headers=headers)).status_code == 401
    again = await _login(client, username, usuario_payload(world)["password"])
    assert (await client.get(f"{API}/auth/me", headers=again)).status_code == 200


async def test_a_new_password_retires_the_old_tokens(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], world: World
) -> None:
    url, username, old = await _nuevo_usuario(client, tokens, world)
    assert (await client.get(f"{API}/auth/me", headers=old)).status_code == 200

    changed = await client.patch(url, json={"password": "otra-clave-larga-9"}, headers=tokens["admin"])
    assert changed.status_code == 200, changed.text
    assert (await client.get(f"{API}/auth/me", headers=old)).status_code == 401
    new = await _login(client, username, "otra-clave-larga-9")
    assert (await client.get(f"{API}/auth/me", headers=new)).status_code == 200


async def test_tokens_without_the_password_stamp_are_refused(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], world: World
) -> None:
    now = datetime.now(UTC)
    claims = {"sub": str(world.users["admin"]), "iat": now, "exp": now + timedelta(minutes=5)}
    for extra in ({}, {"sv": "0" * 16}, {"sv": 7}):
        token = jwt.encode({**claims, **extra}, _jwt_secret(), algorithm="HS256")
        response = await client.get(f"{API}/documentos", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, (extra, response.text)


async def test_the_cached_account_costs_no_statement(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], world: World
) -> None:
    body = usuario_payload(world)
    assert (await client.post(f"{API}/usuarios", json=body, headers=tokens["admin"])).status_code == 201
    headers = await _login(client, body["username"], body["password"])
    cold, cold_stats = await counted(client.get(f"{API}/derivaciones", headers=headers))
    warm, warm_stats = await counted(client.get(f"{API}/derivaciones", headers=headers))
    assert cold.status_code == warm.status_code == 200
    assert any("FROM usuarios" in s for s in cold_stats.statements)
    assert not any("FROM usuarios" in s for s in warm_stats.statements)
    assert cold_stats.count == warm_stats.count + 1


async def test_a_token_verified_before_is_refused_once_it_expires(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], world: World, session: AsyncSession
) -> None:
    admin = await session.get(Usuario, world.users["admin"])
    assert admin is not None
    now = datetime.now(UTC)
    claims = {
        "sub": str(admin.id),
        "sv": sello_de(admin.password_hash, admin.version_sesion),
        "iat": now,
        "exp": now + timedelta(seconds=2),
    }
    headers = {"Authorization": f"Bearer {jwt.encode(claims, _jwt_secret(), algorithm='HS256')}"}
    assert (await client.get(f"{API}/auth/me", headers=headers)).status_code == 200
    await asyncio.sleep((now + timedelta(seconds=2.2) - datetime.now(UTC)).total_seconds())
    assert (await client.get(f"{API}/auth/me", headers=headers)).status_code == 401
