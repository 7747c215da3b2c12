"""Bad input to the user writes (POST and PATCH /usuarios) and to POST /auth/login: a 4xx that names
the field, never a 500, and nothing written (helpers in tests/bad_input.py).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.bad_input import HUGE, LONG_NAME, rejected
from tests.conftest import World
from tests.helpers import Json, Tokens, usuario_payload

# ---- users -----------------------------------------------------------------------------------------


USUARIO_CREAR_INVALIDO: list[Any] = [
    pytest.param({"username": "ab"}, 422, "username", id="username-too-short"),
    pytest.param({"username": "con espacio"}, 422, "username", id="username-pattern"),
    pytest.param({"username": "u" * 51}, 422, "username", id="username-too-long"),
    pytest.param({"email": "no-es-correo"}, 422, "email", id="email-invalid"),
    pytest.param({"email": None}, 422, "email", id="email-null"),
    pytest.param({"password": "corta"}, 422, "password", id="password-too-short"),
    pytest.param({"password": "p" * 129}, 422, "password", id="password-too-long"),
    pytest.param({"rol": "superusuario"}, 422, "rol", id="rol-unknown"),
    pytest.param({"area_id": None}, 422, "area_id", id="especialista-without-area"),
    pytest.param({"rol": "mesa_partes", "area_id": None}, 422, "area_id", id="mesa-without-area"),
    pytest.param({"area_id": 999_999}, 422, "area_id", id="area-unknown"),
    pytest.param({"area_id": HUGE}, 422, "area_id", id="area-2**70"),
    pytest.param({"nombre_completo": LONG_NAME}, 422, "nombre_completo", id="nombre-100k"),
    pytest.param({"nombre_completo": "  "}, 422, "nombre_completo", id="nombre-blank"),
    pytest.param({"username": "admin"}, 409, "username", id="username-duplicate"),
    pytest.param({"email": "admin@example.pe"}, 409, "email", id="email-duplicate"),
]


@pytest.mark.parametrize(("overrides", "status", "field"), USUARIO_CREAR_INVALIDO)
async def test_usuario_create_rejects_bad_field(
    api: httpx.AsyncClient, tokens: Tokens, world: World, overrides: Json, status: int, field: str
) -> None:
    await rejected(
        api,
        "POST",
        "/api/v1/usuarios",
        status=status,
        field=field,
        json=usuario_payload(world, **overrides),
        headers=tokens["admin"],
    )


USUARIO_ACTUALIZAR_INVALIDO: list[Any] = [
    pytest.param({"email": None}, 422, "email", id="email-null"),
    pytest.param({"nombre_completo": None}, 422, "nombre_completo", id="nombre-null"),
    pytest.param({"rol": None}, 422, "rol", id="rol-null"),
    pytest.param({"activo": None}, 422, "activo", id="activo-null"),
    pytest.param({"area_id": None}, 422, "area_id", id="especialista-area-null"),
    pytest.param({"area_id": 999_999}, 422, "area_id", id="area-unknown"),
    pytest.param({"email": "no-es-correo"}, 422, "email", id="email-invalid"),
    pytest.param({"password": "corta"}, 422, "password", id="password-too-short"),
    pytest.param({"rol": "superusuario"}, 422, "rol", id="rol-unknown"),
    pytest.param({"username": "otro"}, 422, "username", id="username-not-editable"),
    pytest.param({"email": "admin@example.pe"}, 409, "email", id="email-duplicate"),
]


@pytest.mark.parametrize(("changes", "status", "field"), USUARIO_ACTUALIZAR_INVALIDO)
async def test_usuario_update_rejects_bad_field(
    api: httpx.AsyncClient,
    client: httpx.AsyncClient,
    tokens: Tokens,
    world: World,
    changes: Json,
    status: int,
    field: str,
) -> None:
    created = await client.post("/api/v1/usuarios", json=usuario_payload(world), headers=tokens["admin"])
    assert created.status_code == 201, created.text
    usuario = created.json()
    await rejected(
        api,
        "PATCH",
        f"/api/v1/usuarios/{usuario['id']}",
        status=status,
        field=field,
        json=changes,
        headers=tokens["admin"],
    )
    current = await client.get(f"/api/v1/usuarios/{usuario['id']}", headers=tokens["admin"])
    assert current.json() == usuario


# ---- login -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        pytest.param({"username": "", "password": "x"}, 422, "username", id="username-empty"),
        pytest.param({"username": "u" * 51, "password": "x"}, 422, "username", id="username-too-long"),
        pytest.param({"username": LONG_NAME, "password": "x"}, 422, "username", id="username-100k"),
        pytest.param({"username": None, "password": "x"}, 422, "username", id="username-null"),
        pytest.param({"username": "mesa", "password": "p" * 129}, 422, "password", id="password-too-long"),
        pytest.param({"username": "mesa", "password": ""}, 422, "password", id="password-empty"),
        pytest.param({"username": "me\x00sa", "password": "x"}, (401, 422), None, id="username-nul-byte"),
        pytest.param({"username": "mesa", "password": "cla\x00ve"}, (401, 422), None, id="password-nul-byte"),
    ],
)
async def test_login_rejects_bad_field(
    api: httpx.AsyncClient, body: Json, status: int | tuple[int, ...], field: str | None
) -> None:
    await rejected(api, "POST", "/api/v1/auth/login", status=status, field=field, json=body)
