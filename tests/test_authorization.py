"""Who may see and do what (docs/design.md §1), authentication failures, and the public tracking page.

- admin: manages catalogs and users, sees and acts on everything.
- mesa_partes: registers, routes from its area, observes, annuls.
- especialista: sees and acts only on documents routed to their area. A document never routed there is
  404 everywhere (its existence does not leak) and absent from lists; one that was routed there but moved
  on is visible, and acting on it is 403.
- auditor: reads everything; every write is 403 and writes nothing.

The matrix of every endpoint × every kind of caller is one table, tests/authorization_matrix.py; the
tests here run it and check the behaviour behind it (what each role sees, what a refusal leaves).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import re
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from fastapi.routing import iter_route_contexts

from app.core.config import get_settings
from app.core.task_queue import get_task_queue
from app.main import app
from tests.authorization_matrix import (
    OK,
    OK_OTHER,
    OK_STATUSES,
    TABLE,
    Contexto,
    Row,
    accion_request,
    expectations,
    headers_for,
    preparar,
)
from tests.conftest import PASSWORD, World, documento_payload, nuevo_dni, registrar
from tests.helpers import (
    UNKNOWN_ID,
    Headers,
    Json,
    OwnCatalog,
    Tokens,
    catalog_payload,
    changed_tables,
    error_code,
    fingerprint,
    unique,
    usuario_payload,
)

ACCIONES = ("actualizar", "derivar", "recibir", "procesar", "atender", "archivar", "observar", "anular")
PUBLIC_ROUTES = {
    "/openapi.json",
    "/docs",
    "/docs/oauth2-redirect",
    "/redoc",
    "/health",
    # Probes of a load balancer or an orchestrator, which hold no token (like /health).
    "/livez",
    "/readyz",
    "/api/v1/auth/login",
    "/api/v1/seguimiento",
    # The citizen's tracking page (HTML) and its stylesheet and logo.
    "/seguimiento",
    "/seguimiento/estilos.css",
    "/seguimiento/logo",
    "/metrics",
}
# Catalog lists are public information (TUPA, areas, ISO lists) served with `Cache-Control: public`.
PUBLIC_CATALOG_LISTS = {
    f"/api/v1/catalogos/{ruta}"
    for ruta in ("areas", "tipos-documento", "procedimientos", "indicaciones", "monedas", "paises")
}


# ---- helpers ---------------------------------------------------------------------------------------


def bearer(token: str) -> Headers:
    return {"Authorization": f"Bearer {token}"}


def sign(claims: Json, secret: str | None = None) -> str:
    settings = get_settings()
    assert settings.jwt_secret is not None  # the test session sets JWT_SECRET
    key = secret if secret is not None else settings.jwt_secret.get_secret_value()
    return jwt.encode(claims, key, algorithm=settings.jwt_algorithm)


async def current(client: httpx.AsyncClient, tokens: Tokens, doc_id: int) -> Json:
    response = await client.get(f"/api/v1/documentos/{doc_id}", headers=tokens["admin"])
    assert response.status_code == 200, response.text
    result: Json = response.json()
    return result


async def act(
    client: httpx.AsyncClient, headers: Headers, doc: Json, nombre: str, world: World, **body: Any
) -> Json:
    method, url, default = accion_request(nombre, doc["id"], doc["version"], world)
    response = await client.request(method, url, json={**default, **body}, headers=headers)
    assert response.status_code == 200, response.text
    result: Json = response.json()
    return result


async def listed_ids(api: httpx.AsyncClient, headers: Headers, remitente_id: int) -> set[int]:
    response = await api.get(
        "/api/v1/documentos", params={"remitente_id": remitente_id, "page_size": 100}, headers=headers
    )
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["items"]}


async def refused(
    api: httpx.AsyncClient, method: str, url: str, body: Json | None, headers: Headers, *, label: str = ""
) -> list[str]:
    """No failure when the request is refused with 403, else one line (named by `label`, by default
    the method and URL) saying what it answered instead."""
    response = await api.request(method, url, json=body, headers=headers)
    if response.status_code == 403:
        return []
    return [f"{label or f'{method} {url}'}: {response.status_code} {response.text[:150]}"]


# ---- the documents of this module ------------------------------------------------------------------


@dataclass
class Escenario:
    remitente_id: int
    remitente: Json
    palabra: str  # a word only in solo_mp's asunto, to probe the full-text search
    solo_mp: Json  # registered, never routed: only in Mesa de Partes
    en_oaj: Json  # routed MP -> OAJ; OGA never involved
    paso_por_oga: Json  # routed MP -> OGA, received there, then OGA -> OAJ: moved on from OGA
    copia_oga: Json  # routed MP -> OAJ with a copy to OGA

    def todos(self) -> list[Json]:
        return [self.solo_mp, self.en_oaj, self.paso_por_oga, self.copia_oga]


@pytest.fixture(scope="module")
async def escenario(client: httpx.AsyncClient, tokens: Tokens, world: World) -> Escenario:
    remitente: Json = {
        "tipo_persona": "natural",
        "tipo_documento_identidad": "DNI",
        "numero_documento_identidad": nuevo_dni(),
        "nombre": "Teodora Ccori Huillca",
        "email": "teodora.ccori@example.pe",
        "telefono": "+51 984 321 765",
        "direccion": "Av. Los Incas 1234, Cusco",
    }
    mesa, oga = tokens["mesa"], tokens["oga"]
    oaj_id, oga_id = world.areas["OAJ"], world.areas["OGA"]
    palabra = "zqx" + "".join(c for c in uuid.uuid4().hex if c.isalpha())[:8]

    solo_mp = await registrar(
        client, mesa, world, remitente=remitente, asunto=f"Pedido reservado de la mesa {palabra}"
    )
    en_oaj = await registrar(client, mesa, world, remitente=remitente)
    en_oaj = await act(client, mesa, en_oaj, "derivar", world, destinos=[{"area_id": oaj_id}])
    paso = await registrar(client, mesa, world, remitente=remitente)
    paso = await act(client, mesa, paso, "derivar", world, destinos=[{"area_id": oga_id}])
    paso = await act(client, oga, paso, "recibir", world)
    paso = await act(client, oga, paso, "derivar", world, destinos=[{"area_id": oaj_id}])
    copia = await registrar(client, mesa, world, remitente=remitente)
    copia = await act(
        client,
        mesa,
        copia,
        "derivar",
        world,
        destinos=[{"area_id": oaj_id}, {"area_id": oga_id, "es_copia": True}],
    )
    assert {d["remitente"]["id"] for d in (solo_mp, en_oaj, paso, copia)} == {solo_mp["remitente"]["id"]}
    return Escenario(solo_mp["remitente"]["id"], remitente, palabra, solo_mp, en_oaj, paso, copia)


# ---- authentication --------------------------------------------------------------------------------


def protected_routes() -> list[tuple[str, str]]:
    routes: list[tuple[str, str]] = []
    for route in iter_route_contexts(app.routes):
        path = route.path
        if not path or path in PUBLIC_ROUTES:
            continue
        method = sorted(m for m in (route.methods or ()) if m != "HEAD")[0]
        if method == "GET" and path in PUBLIC_CATALOG_LISTS:
            continue
        url = re.sub(r"\{codigo\}", "PE", path)
        routes.append((method, re.sub(r"\{[^}]+\}", "1", url)))
    return routes


def _bad_credentials(world: World) -> dict[str, Headers]:
    now = datetime.now(UTC)
    admin = str(world.users["admin"])
    return {
        "no-header": {},
        "empty-bearer": {"Authorization": "Bearer "},
        "garbage-token": bearer("esto.no.es-un-jwt"),
        "basic-scheme": {"Authorization": "Basic YWRtaW46Y2xhdmU="},
        "expired": bearer(
            sign({"sub": admin, "iat": now - timedelta(hours=10), "exp": now - timedelta(hours=1)})
        ),
        "wrong-secret": bearer(sign({"sub": admin, "exp": now + timedelta(hours=1)}, "otro-secreto-" * 4)),
        "alg-none": bearer(
            jwt.encode({"sub": admin, "exp": now + timedelta(hours=1)}, None, algorithm="none")
        ),
        "no-sub": bearer(sign({"exp": now + timedelta(hours=1)})),
        "sub-not-a-number": bearer(sign({"sub": "admin", "exp": now + timedelta(hours=1)})),
        "sub-unknown-user": bearer(sign({"sub": str(UNKNOWN_ID), "exp": now + timedelta(hours=1)})),
        "sub-zero": bearer(sign({"sub": "0", "exp": now + timedelta(hours=1)})),
        "sub-2**70": bearer(sign({"sub": str(2**70), "exp": now + timedelta(hours=1)})),
    }


@pytest.mark.parametrize(
    "credential",
    [
        "no-header",
        "empty-bearer",
        "garbage-token",
        "basic-scheme",
        "expired",
        "wrong-secret",
        "alg-none",
        "no-sub",
        "sub-not-a-number",
        "sub-unknown-user",
        "sub-zero",
        "sub-2**70",
    ],
)
async def test_bad_credentials_are_401_on_every_protected_route(
    api: httpx.AsyncClient, world: World, credential: str
) -> None:
    headers = _bad_credentials(world)[credential]
    before = await fingerprint()
    failures: list[str] = []
    for method, url in protected_routes():
        body: Json | None = {} if method in ("POST", "PATCH", "PUT") else None
        response = await api.request(method, url, headers=headers, json=body)
        if response.status_code != 401:
            failures.append(f"{method} {url}: {response.status_code} {response.text[:150]}")
        elif response.headers.get("www-authenticate") != "Bearer":
            failures.append(f"{method} {url}: 401 without 'WWW-Authenticate: Bearer'")
    assert not failures, "\n".join(failures)
    assert not changed_tables(before, await fingerprint())


async def test_login_does_not_tell_unknown_user_from_wrong_password(api: httpx.AsyncClient) -> None:
    wrong_password = await api.post(
        "/api/v1/auth/login", json={"username": "mesa", "password": "no-es-la-clave"}
    )
    unknown_user = await api.post(
        "/api/v1/auth/login", json={"username": unique("nadie"), "password": PASSWORD}
    )
    for response in (wrong_password, unknown_user):
        assert response.status_code == 401, response.text
        assert response.headers.get("www-authenticate") == "Bearer"
        assert "access_token" not in response.text
    assert wrong_password.json() == unknown_user.json()


async def test_deactivated_user_token_and_login_are_401(
    api: httpx.AsyncClient, tokens: Tokens, world: World
) -> None:
    payload = usuario_payload(world, rol="especialista", area_id=world.areas["OAJ"])
    created = await api.post("/api/v1/usuarios", json=payload, headers=tokens["admin"])
    assert created.status_code == 201, created.text
    login = await api.post(
        "/api/v1/auth/login", json={"username": payload["username"], "password": payload["password"]}
    )
    assert login.status_code == 200, login.text
    headers = bearer(login.json()["access_token"])
    assert (await api.get("/api/v1/auth/me", headers=headers)).status_code == 200

    off = await api.patch(
        f"/api/v1/usuarios/{created.json()['id']}", json={"activo": False}, headers=tokens["admin"]
    )
    assert off.status_code == 200 and off.json()["activo"] is False, off.text

    for url in ("/api/v1/auth/me", "/api/v1/documentos", "/api/v1/catalogos/areas/1"):
        response = await api.get(url, headers=headers)
        assert response.status_code == 401, f"{url}: {response.status_code} {response.text}"
        assert response.headers.get("www-authenticate") == "Bearer"
    again = await api.post(
        "/api/v1/auth/login", json={"username": payload["username"], "password": payload["password"]}
    )
    wrong = await api.post(
        "/api/v1/auth/login", json={"username": payload["username"], "password": "otra-clave-1"}
    )
    assert again.status_code == 401 and again.json() == wrong.json(), again.text


# ---- the matrix: every endpoint × every kind of caller (tests/authorization_matrix.py) ---------------


def api_routes() -> set[tuple[str, str]]:
    return {
        (method, route.path)
        for route in iter_route_contexts(app.routes)
        if route.path
        for method in (route.methods or ())
        if method != "HEAD"
    }


def test_the_matrix_has_a_row_for_every_endpoint_and_none_other() -> None:
    rows = {(method, path) for method, path, _, _ in TABLE}
    routes = api_routes()
    assert not routes - rows, f"endpoints without a row in tests/authorization_matrix.py: {routes - rows}"
    assert not rows - routes, f"rows for no endpoint: {rows - routes}"
    assert len(routes) >= 70 and {"/api/v1/documentos", "/api/v1/usuarios", "/livez"} <= {
        p for _, p in routes
    }
    assert {m for m, _ in routes} == {"GET", "POST", "PATCH"}, "a new method: add it to the CORS methods too"


@pytest.fixture(scope="module")
async def matriz(
    client: httpx.AsyncClient, tokens: Tokens, world: World, own_catalog: OwnCatalog, own_user: int
) -> Contexto:
    return await preparar(client, tokens, world, own_catalog, own_user)


async def _in_process_tasks_done() -> None:
    """Without a broker (the TEST_REDIS=down pass) tasks run in this process: an attachment's
    processing or a report would change the tables under a fingerprint."""
    queue = get_task_queue()
    deadline = time.monotonic() + 120
    while running := list(queue.local_runs.values()):
        assert time.monotonic() < deadline, f"{len(running)} in-process tasks still running"
        await asyncio.to_thread(concurrent.futures.wait, running, 1.0)


async def _cell(api: httpx.AsyncClient, ctx: Contexto, row: Row, role: str, expected: str) -> list[str]:
    """Nothing when `role` gets what the row expects, else one line saying what it got."""
    method, path, _, build = row
    allowed = expected == OK
    request = await build(ctx, role, allowed)
    response = await api.request(
        method,
        request.url,
        json=request.json,
        files=request.files,
        params=request.params,
        headers={**headers_for(ctx.tokens, role), **request.headers},
    )
    status = response.status_code
    if allowed:
        good = status in OK_OTHER.get((method, path), OK_STATUSES)
        if good and request.reusable:
            ctx.devolver(response.json())
    elif expected == "401":
        good = status == 401 and response.headers.get("www-authenticate") == "Bearer"
    else:
        good = (
            status == int(expected) and error_code(response) == {403: "forbidden", 404: "not_found"}[status]
        )
    if good:
        return []
    return [f"{role:<7} {method} {request.url}: expected {expected}, got {status} {response.text[:150]}"]


async def test_the_matrix_refusals_are_refused_and_write_nothing(
    api: httpx.AsyncClient, matriz: Contexto
) -> None:
    await _in_process_tasks_done()
    before = await fingerprint()
    failures: list[str] = []
    for row in TABLE:
        for role, expected in expectations(row).items():
            if expected not in (OK, "-"):
                failures += await _cell(api, matriz, row, role, expected)
    assert not failures, "\n".join(failures)
    await _in_process_tasks_done()
    assert not changed_tables(before, await fingerprint())


async def test_the_matrix_allowed_requests_get_through(api: httpx.AsyncClient, matriz: Contexto) -> None:
    failures: list[str] = []
    for row in TABLE:
        for role, expected in expectations(row).items():
            if expected == OK:
                failures += await _cell(api, matriz, row, role, expected)
    assert not failures, "\n".join(failures)
    await _in_process_tasks_done()  # the reports, attachments and deliveries it asked for


# ---- catalogs and users: admin only ----------------------------------------------------------------


def admin_writes(world: World, catalog: OwnCatalog, usuario_id: int) -> list[tuple[str, str, Json]]:
    return [
        ("POST", "/api/v1/catalogos/areas", catalog_payload("areas", world)),
        ("PATCH", f"/api/v1/catalogos/areas/{catalog.areas}", {"nombre": "Área renombrada"}),
        ("POST", "/api/v1/catalogos/tipos-documento", catalog_payload("tipos-documento", world)),
        (
            "PATCH",
            f"/api/v1/catalogos/tipos-documento/{catalog.tipos_documento}",
            {"nombre": "Tipo renombrado"},
        ),
        ("POST", "/api/v1/catalogos/procedimientos", catalog_payload("procedimientos", world)),
        ("PATCH", f"/api/v1/catalogos/procedimientos/{catalog.procedimientos}", {"plazo_dias": 9}),
        ("POST", "/api/v1/catalogos/indicaciones", catalog_payload("indicaciones", world)),
        (
            "PATCH",
            f"/api/v1/catalogos/indicaciones/{catalog.indicaciones}",
            {"nombre": "Indicación renombrada"},
        ),
        ("POST", "/api/v1/usuarios", usuario_payload(world)),
        ("PATCH", f"/api/v1/usuarios/{usuario_id}", {"nombre_completo": "Nombre Cambiado"}),
        ("PATCH", f"/api/v1/usuarios/{usuario_id}", {"rol": "admin"}),
    ]


async def test_admin_writes_catalogs_and_users(
    api: httpx.AsyncClient, tokens: Tokens, world: World, own_catalog: OwnCatalog, own_user: int
) -> None:
    for method, url, body in admin_writes(world, own_catalog, own_user):
        if body.get("rol") == "admin":
            continue
        response = await api.request(method, url, json=body, headers=tokens["admin"])
        assert response.status_code == (201 if method == "POST" else 200), f"{method} {url}: {response.text}"
        for key, value in body.items():
            if key != "password":
                assert response.json()[key] == value, (key, response.text)
        assert "password" not in response.text


# ---- especialista: visibility by routing -----------------------------------------------------------


async def _same_404(
    api: httpx.AsyncClient, method: str, url: str, body: Json | None, headers: Headers, doc_id: int
) -> list[str]:
    """The hidden document answers exactly like one that does not exist (404 for reads and actions)."""
    hidden = await api.request(method, url, json=body, headers=headers)
    missing_url = url.replace(f"/{doc_id}", f"/{UNKNOWN_ID}")
    missing = await api.request(method, missing_url, json=body, headers=headers)
    problems: list[str] = []
    if hidden.status_code != missing.status_code or hidden.text.replace(
        str(doc_id), "ID"
    ) != missing.text.replace(str(UNKNOWN_ID), "ID"):
        problems.append(
            f"{method} {url}: {hidden.status_code} {hidden.text[:150]} but an unknown id answers "
            f"{missing.status_code} {missing.text[:150]}"
        )
    # anular is refused to the especialista role as a whole (403 whatever the id), which leaks nothing
    expected = (403, 404) if url.endswith("/anular") else (404,)
    if hidden.status_code not in expected:
        problems.append(f"{method} {url}: {hidden.status_code}, expected {expected}: {hidden.text[:150]}")
    return problems


@pytest.mark.parametrize(
    ("role", "doc_key"),
    [("oga", "solo_mp"), ("oga", "en_oaj"), ("oaj", "solo_mp")],
)
async def test_especialista_never_routed_document_is_404_everywhere(
    api: httpx.AsyncClient,
    client: httpx.AsyncClient,
    tokens: Tokens,
    world: World,
    escenario: Escenario,
    role: str,
    doc_key: str,
) -> None:
    doc = await current(client, tokens, getattr(escenario, doc_key)["id"])
    headers = tokens[role]
    before = await fingerprint()
    problems: list[str] = []
    for url in (f"/api/v1/documentos/{doc['id']}", f"/api/v1/documentos/{doc['id']}/historial"):
        problems += await _same_404(api, "GET", url, None, headers, doc["id"])
    for nombre in ACCIONES:
        method, url, body = accion_request(nombre, doc["id"], doc["version"], world)
        problems += await _same_404(api, method, url, body, headers, doc["id"])
    assert not problems, "\n".join(problems)
    assert not changed_tables(before, await fingerprint())
    assert doc["id"] not in await listed_ids(api, headers, escenario.remitente_id)


async def test_lists_show_each_role_what_it_may_see(
    api: httpx.AsyncClient, tokens: Tokens, escenario: Escenario
) -> None:
    e = escenario
    todos = {d["id"] for d in e.todos()}
    assert await listed_ids(api, tokens["oga"], e.remitente_id) == {e.paso_por_oga["id"], e.copia_oga["id"]}
    assert await listed_ids(api, tokens["oaj"], e.remitente_id) == {
        e.en_oaj["id"],
        e.paso_por_oga["id"],
        e.copia_oga["id"],
    }
    for role in ("admin", "mesa", "auditor"):
        assert await listed_ids(api, tokens[role], e.remitente_id) == todos, role


async def test_especialista_search_and_filters_do_not_reveal_hidden_documents(
    api: httpx.AsyncClient, tokens: Tokens, world: World, escenario: Escenario
) -> None:
    probes: list[Json] = [
        {"q": escenario.palabra},
        {"area_id": world.areas["MP"]},
        {"estado": "registrado", "remitente_id": escenario.remitente_id},
    ]
    for params in probes:
        response = await api.get(
            "/api/v1/documentos", params={**params, "page_size": 100}, headers=tokens["oga"]
        )
        assert response.status_code == 200, response.text
        assert escenario.solo_mp["id"] not in {item["id"] for item in response.json()["items"]}, params
    found = await api.get("/api/v1/documentos", params={"q": escenario.palabra}, headers=tokens["admin"])
    assert escenario.solo_mp["id"] in {item["id"] for item in found.json()["items"]}, (
        "control: admin finds it"
    )


@pytest.mark.parametrize("doc_key", ["paso_por_oga", "copia_oga"])
async def test_especialista_sees_documents_that_moved_on_but_cannot_act(
    api: httpx.AsyncClient,
    client: httpx.AsyncClient,
    tokens: Tokens,
    world: World,
    escenario: Escenario,
    doc_key: str,
) -> None:
    doc = await current(client, tokens, getattr(escenario, doc_key)["id"])
    assert doc["area_actual"]["codigo"] == "OAJ"
    headers = tokens["oga"]
    detail = await api.get(f"/api/v1/documentos/{doc['id']}", headers=headers)
    assert detail.status_code == 200 and detail.json()["version"] == doc["version"], detail.text
    history = await api.get(f"/api/v1/documentos/{doc['id']}/historial", headers=headers)
    assert history.status_code == 200 and history.json(), history.text

    before = await fingerprint()
    failures: list[str] = []
    for nombre in ACCIONES:
        request = accion_request(nombre, doc["id"], doc["version"], world)
        failures += await refused(api, *request, headers, label=nombre)
    assert not failures, "\n".join(failures)
    assert not changed_tables(before, await fingerprint())


async def test_especialista_acts_on_documents_in_its_area(
    api: httpx.AsyncClient, client: httpx.AsyncClient, tokens: Tokens, world: World
) -> None:
    doc = await registrar(client, tokens["mesa"], world)
    doc = await act(client, tokens["mesa"], doc, "derivar", world, destinos=[{"area_id": world.areas["OAJ"]}])
    for nombre, estado in [("recibir", "recibido"), ("procesar", "en_proceso")]:
        method, url, body = accion_request(nombre, doc["id"], doc["version"], world)
        response = await api.request(method, url, json=body, headers=tokens["oaj"])
        assert response.status_code == 200, response.text
        doc = response.json()
        assert doc["estado"] == estado
    # and can route it on to another area
    method, url, body = accion_request("derivar", doc["id"], doc["version"], world)
    response = await api.request(method, url, json=body, headers=tokens["oaj"])
    assert response.status_code == 200, response.text
    assert response.json()["area_actual"]["codigo"] == "LOG"


async def test_especialista_cannot_register(api: httpx.AsyncClient, tokens: Tokens, world: World) -> None:
    before = await fingerprint()
    for role in ("oaj", "oga"):
        response = await api.post("/api/v1/documentos", json=documento_payload(world), headers=tokens[role])
        assert response.status_code == 403, response.text
    assert not changed_tables(before, await fingerprint())


# ---- auditor: reads everything, writes nothing ------------------------------------------------------


async def test_auditor_reads_everything(
    api: httpx.AsyncClient, tokens: Tokens, world: World, escenario: Escenario
) -> None:
    headers = tokens["auditor"]
    for doc in escenario.todos():
        detail = await api.get(f"/api/v1/documentos/{doc['id']}", headers=headers)
        assert detail.status_code == 200, detail.text
        assert detail.json()["remitente"]["id"] == escenario.remitente_id
        history = await api.get(f"/api/v1/documentos/{doc['id']}/historial", headers=headers)
        assert history.status_code == 200 and history.json()[0]["evento"] == "registrado", history.text
    for url in (
        "/api/v1/estadisticas",
        "/api/v1/auth/me",
        "/api/v1/catalogos/areas",
        f"/api/v1/catalogos/areas/{world.areas['OAJ']}",
        "/api/v1/catalogos/tipos-documento",
        f"/api/v1/catalogos/tipos-documento/{world.tipo_id}",
        "/api/v1/catalogos/procedimientos",
        f"/api/v1/catalogos/procedimientos/{world.procedimiento_id}",
        "/api/v1/catalogos/indicaciones",
        f"/api/v1/catalogos/indicaciones/{world.indicacion_id}",
        "/api/v1/catalogos/monedas",
        "/api/v1/catalogos/paises",
        "/api/v1/catalogos/paises/PE",
    ):
        response = await api.get(url, headers=headers)
        assert response.status_code == 200, f"{url}: {response.status_code} {response.text}"
    stats = (await api.get("/api/v1/estadisticas", headers=headers)).json()
    assert stats["total"] >= len(escenario.todos())


async def test_auditor_every_write_is_403_and_writes_nothing(
    api: httpx.AsyncClient,
    client: httpx.AsyncClient,
    tokens: Tokens,
    world: World,
    escenario: Escenario,
    own_catalog: OwnCatalog,
    own_user: int,
) -> None:
    headers = tokens["auditor"]
    before = await fingerprint()
    failures: list[str] = []
    payload = documento_payload(world)
    failures += await refused(api, "POST", "/api/v1/documentos", payload, headers, label="registrar")
    failures += await refused(
        api,
        "POST",
        "/api/v1/documentos",
        documento_payload(world),
        {**headers, "Idempotency-Key": unique("auditor-")},
        label="registrar with Idempotency-Key",
    )
    for key in ("solo_mp", "en_oaj"):
        doc = await current(client, tokens, getattr(escenario, key)["id"])
        for nombre in ACCIONES:
            request = accion_request(nombre, doc["id"], doc["version"], world)
            failures += await refused(api, *request, headers, label=f"{nombre} {key}")
    for method, url, body in admin_writes(world, own_catalog, own_user):
        failures += await refused(api, method, url, body, headers)
    assert not failures, "\n".join(failures)
    assert not changed_tables(before, await fingerprint())


# ---- mesa de partes and admin ----------------------------------------------------------------------


async def test_mesa_registers_routes_observes_and_annuls(
    api: httpx.AsyncClient, client: httpx.AsyncClient, tokens: Tokens, world: World
) -> None:
    mesa = tokens["mesa"]
    created = await api.post("/api/v1/documentos", json=documento_payload(world), headers=mesa)
    assert created.status_code == 201, created.text
    routed = await act(
        client, mesa, created.json(), "derivar", world, destinos=[{"area_id": world.areas["OAJ"]}]
    )
    assert routed["estado"] == "derivado"

    observed = await act(client, mesa, await registrar(client, mesa, world), "observar", world)
    assert observed["estado"] == "observado"
    annulled = await act(client, mesa, await registrar(client, mesa, world), "anular", world)
    assert annulled["estado"] == "anulado"


@pytest.mark.parametrize("nombre", ["actualizar", "derivar", "recibir", "observar"])
async def test_mesa_cannot_act_on_documents_outside_its_area(
    api: httpx.AsyncClient,
    client: httpx.AsyncClient,
    tokens: Tokens,
    world: World,
    escenario: Escenario,
    nombre: str,
) -> None:
    doc = await current(client, tokens, escenario.en_oaj["id"])
    visible = await api.get(f"/api/v1/documentos/{doc['id']}", headers=tokens["mesa"])
    assert visible.status_code == 200, "mesa de partes sees every document"
    before = await fingerprint()
    method, url, body = accion_request(nombre, doc["id"], doc["version"], world)
    response = await api.request(method, url, json=body, headers=tokens["mesa"])
    assert response.status_code == 403, response.text
    assert not changed_tables(before, await fingerprint())


async def test_admin_sees_and_acts_everywhere(
    api: httpx.AsyncClient, client: httpx.AsyncClient, tokens: Tokens, world: World, escenario: Escenario
) -> None:
    for doc in escenario.todos():
        response = await api.get(f"/api/v1/documentos/{doc['id']}", headers=tokens["admin"])
        assert response.status_code == 200, response.text
    doc = await registrar(client, tokens["mesa"], world)
    doc = await act(client, tokens["mesa"], doc, "derivar", world, destinos=[{"area_id": world.areas["OGA"]}])
    received = await act(client, tokens["admin"], doc, "recibir", world)
    assert received["estado"] == "recibido" and received["area_actual"]["codigo"] == "OGA"


# ---- public tracking -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
async def seguido(client: httpx.AsyncClient, tokens: Tokens, world: World) -> tuple[Json, Json, str, str]:
    """A routed document with a sender full of recognisable personal data and internal notes."""
    marca = uuid.uuid4().hex[:8]
    remitente: Json = {
        "tipo_persona": "natural",
        "tipo_documento_identidad": "DNI",
        "numero_documento_identidad": nuevo_dni(),
        "nombre": f"Zoila Paucar Ramos {marca}",
        "email": f"zoila.{marca}@correo.pe",
        "telefono": "+51 987 650 432",
        "direccion": f"Jr. Las Magnolias 742 {marca}, Miraflores",
    }
    nota = f"NOTA-INTERNA-{marca}"
    proveido = f"PROVEIDO-INTERNO-{marca}"
    doc = await registrar(client, tokens["mesa"], world, remitente=remitente, observacion=nota)
    doc = await act(
        client,
        tokens["mesa"],
        doc,
        "derivar",
        world,
        destinos=[{"area_id": world.areas["OAJ"], "proveido": proveido}],
    )
    return doc, remitente, nota, proveido


async def test_seguimiento_is_public_and_has_no_personal_data(
    api: httpx.AsyncClient, seguido: tuple[Json, Json, str, str]
) -> None:
    doc, remitente, nota, proveido = seguido
    before = await fingerprint()
    response = await api.get(
        "/api/v1/seguimiento",
        params={"numero": doc["numero_expediente"], "codigo": doc["codigo_verificacion"]},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["numero_expediente"] == doc["numero_expediente"]
    assert body["estado"] == "derivado"
    assert [d["area_destino"] for d in body["derivaciones"]] == ["Oficina de Asesoría Jurídica"]

    raw = response.text
    personal = [
        remitente[k] for k in ("nombre", "numero_documento_identidad", "email", "telefono", "direccion")
    ]
    for value in [*personal, nota, proveido]:
        assert value not in raw, f"{value!r} leaks into the public tracking page"
    for key in (
        "remitente",
        "email",
        "telefono",
        "direccion",
        "numero_documento_identidad",
        "observacion",
        "proveido",
        "registrado_por",
        "enviado_por",
        "recibido_por",
        "codigo_verificacion",
    ):
        assert f'"{key}' not in raw, f"key {key!r} in the public tracking page"
    assert not changed_tables(before, await fingerprint())


async def test_seguimiento_wrong_code_and_unknown_number_look_the_same(
    api: httpx.AsyncClient, tokens: Tokens, seguido: tuple[Json, Json, str, str]
) -> None:
    doc = seguido[0]
    codigo = doc["codigo_verificacion"]
    otro = "".join("B" if c != "B" else "C" for c in codigo)
    anio, numero = doc["numero_expediente"].split("-")
    desconocido = f"{anio}-{int(numero) + 500_000:06d}"
    answers = [
        await api.get("/api/v1/seguimiento", params={"numero": doc["numero_expediente"], "codigo": otro}),
        await api.get(
            "/api/v1/seguimiento", params={"numero": doc["numero_expediente"], "codigo": codigo[:-1]}
        ),
        await api.get("/api/v1/seguimiento", params={"numero": desconocido, "codigo": codigo}),
        await api.get(
            "/api/v1/seguimiento", params={"numero": desconocido, "codigo": otro}, headers=tokens["admin"]
        ),
    ]
    for response in answers:
        assert response.status_code == 404, response.text
        assert doc["asunto"] not in response.text
    assert len({response.text for response in answers}) == 1, [response.text for response in answers]
