"""One error format: every error is RFC 9457 problem details (`application/problem+json`), the OpenAPI
document declares it on every operation, and loose input (a date as a number, a boolean as 0) is refused."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.core.errors import Conflict, install_error_handlers
from app.core.problems import PROBLEM_MEDIA_TYPE
from app.main import app
from tests.helpers import Json, Tokens

API = "/api/v1"


def assert_problem(response: httpx.Response, status: int, code: str) -> Json:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE, response.headers
    body: Json = response.json()
    assert body["status"] == status and body["code"] == code, body
    assert body["type"] == f"urn:mesa-partes:problema:{code}"
    assert body["title"] and body["detail"] and body["instance"] == response.request.url.path
    return body


async def test_unknown_path_is_a_problem(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get(f"{API}/no-existe"), 404, "not_found")


async def test_method_not_allowed_lists_every_method_of_the_path(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.delete(f"{API}/documentos/1"), 405, "method_not_allowed")
    assert "DELETE" in body["detail"]
    response = await client.delete(f"{API}/documentos/1")
    # GET and PATCH live on two different routes: Starlette alone would name only the first.
    assert response.headers["allow"] == "GET, HEAD, PATCH"
    response = await client.put(f"{API}/documentos")
    assert response.headers["allow"] == "GET, HEAD, POST"


async def test_validation_errors_name_every_field_in_spanish(client: httpx.AsyncClient) -> None:
    response = await client.post(f"{API}/auth/login", json={"username": 5})
    body = assert_problem(response, 422, "validation_error")
    errors = {error["field"]: error for error in body["errors"]}
    assert set(errors) == {"username", "password"} and body["field"] == "username"
    assert errors["password"] == {
        "field": "password", "location": "body", "code": "missing", "message": "Es obligatorio."
    }  # fmt: skip
    assert errors["username"]["message"] == "Debe ser un texto."
    assert "input" not in errors["username"]  # what was typed is never echoed back


async def test_a_body_that_is_not_utf8_is_a_documented_422(client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"{API}/auth/login", content=b'{"username": "\xff\xfe"}', headers={"content-type": "application/json"}
    )
    body = assert_problem(response, 422, "invalid_encoding")
    assert body["field"] == "body" and body["errors"][0]["code"] == "invalid_encoding"


async def test_missing_token_is_a_problem_with_its_challenge(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{API}/documentos")
    assert_problem(response, 401, "unauthorized")
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("fecha", ["0", "1700000000", "2026-1-5", "05/01/2026", "2026-01-05T00:00:00"])
async def test_dates_are_only_iso_dates(client: httpx.AsyncClient, tokens: Tokens, fecha: str) -> None:
    response = await client.get(f"{API}/documentos", params={"fecha_hasta": fecha}, headers=tokens["admin"])
    body = assert_problem(response, 422, "validation_error")
    assert body["errors"][0]["field"] == "fecha_hasta" and "AAAA-MM-DD" in body["errors"][0]["message"]
    ok = await client.get(f"{API}/documentos", params={"fecha_hasta": "2026-01-05"}, headers=tokens["admin"])
    assert ok.status_code == 200, ok.text


@pytest.mark.parametrize("valor", ["1", "0", "yes", "True", "on"])
async def test_query_booleans_are_true_or_false(
    client: httpx.AsyncClient, tokens: Tokens, valor: str
) -> None:
    response = await client.get(f"{API}/documentos", params={"vencidos": valor}, headers=tokens["admin"])
    assert_problem(response, 422, "validation_error")
    for word in ("true", "false"):
        ok = await client.get(f"{API}/documentos", params={"vencidos": word}, headers=tokens["admin"])
        assert ok.status_code == 200, ok.text


@pytest.mark.parametrize("valor", [0, 1, "false", "true", None])
async def test_body_booleans_are_json_booleans(
    client: httpx.AsyncClient, tokens: Tokens, own_user: int, valor: Any
) -> None:
    url = f"{API}/usuarios/{own_user}"
    response = await client.patch(url, json={"activo": valor}, headers=tokens["admin"])
    body = assert_problem(response, 422, "validation_error")
    assert body["field"] == "activo"


async def test_an_unexpected_error_is_a_500_problem() -> None:
    small = FastAPI()
    install_error_handlers(small)

    @small.get("/falla")
    async def falla() -> None:
        raise RuntimeError("a defect")

    @small.get("/conflicto")
    async def conflicto() -> None:
        raise Conflict("Ya existe.", field="codigo", version_actual=3)

    transport = httpx.ASGITransport(app=small, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as local:
        body = assert_problem(await local.get("/falla"), 500, "internal_error")
        assert "a defect" not in body["detail"]  # nothing of the defect leaks to the client
        body = assert_problem(await local.get("/conflicto"), 409, "conflict")
        assert (body["detail"], body["field"], body["version_actual"]) == ("Ya existe.", "codigo", 3)


def test_the_openapi_document_declares_problems_on_every_operation() -> None:
    document = app.openapi()
    assert "Problem" in document["components"]["schemas"]
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            where = f"{method.upper()} {path}"
            assert "500" in responses, where
            if path.startswith(API):
                assert "503" in responses, where
            if operation.get("security"):
                assert "401" in responses, where
            if operation.get("parameters") or operation.get("requestBody"):
                assert "422" in responses, where
            for status, response in responses.items():
                if int(status) >= 400 and (path, status) != ("/readyz", "503"):
                    schema = response["content"][PROBLEM_MEDIA_TYPE]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Problem"}, where
    item = document["paths"][f"{API}/catalogos/areas/{{item_id}}"]["get"]["responses"]
    assert {"401", "404", "422", "500", "503"} <= set(item)


async def test_login_and_token_errors_speak_spanish(client: httpx.AsyncClient) -> None:
    wrong = await client.post(f"{API}/auth/login", json={"username": "admin", "password": "no-es-la-clave"})
    assert assert_problem(wrong, 401, "unauthorized")["detail"] == "Usuario o contraseña incorrectos."
    missing = assert_problem(await client.get(f"{API}/auth/me"), 401, "unauthorized")
    assert missing["detail"] == "Falta el token de acceso; inicie sesión."
    forged = await client.get(f"{API}/auth/me", headers={"Authorization": "Bearer x.y.z"})
    assert "no es válido o expiró" in assert_problem(forged, 401, "unauthorized")["detail"]
