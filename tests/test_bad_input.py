"""Bad input to every write endpoint gets a clear 4xx that names the field, never a 500, and a
rejected request writes nothing: malformed JSON, a JSON array, an unknown or missing field, a wrong
type, an invalid or unknown id in the path, and garbage bodies on every POST/PATCH route of the app.

422 is validation (a problem-details body whose `errors` name the fields, from the schema or the app's own
`InvalidInput`), 404 an
unknown id in the path. Every rejected write is checked against a fingerprint (row count + content
hash) of every table it could touch. Each router's own domain validation is tested in
`tests/<domain>/test_bad_input.py`; the helpers they share with this module are in `tests/bad_input.py`.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi.routing import iter_route_contexts

from app.main import app
from tests.bad_input import HUGE, rejected
from tests.conftest import World, documento_payload, registrar
from tests.helpers import (
    UNKNOWN_ID,
    Headers,
    Json,
    OwnCatalog,
    Tokens,
    catalog_payload,
    changed_tables,
    fingerprint,
    usuario_payload,
)

# ---- context: ids the paths point at (own_catalog and own_user are fixtures of conftest) -----------


@dataclass
class Ctx:
    world: World
    catalog: OwnCatalog
    usuario_id: int
    doc_id: int = 0
    version: int = 1

    def id_for(self, target: str) -> int:
        if target == "doc":
            return self.doc_id
        if target == "usuario":
            return self.usuario_id
        return int(getattr(self.catalog, target))


Body = Callable[[Ctx], Json]
MakeCtx = Callable[["Endpoint"], Awaitable[Ctx]]
WrongType = tuple[str, Any, str]  # field to set, bad value, field the error must name


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str  # "{id}" is replaced by the id of `target`
    body: Body
    target: str = ""
    role: str | None = "admin"
    required: tuple[str, ...] = ()
    wrong_types: tuple[WrongType, ...] = ()
    path_param: str | None = None

    def url(self, ctx: Ctx, path_id: Any = None) -> str:
        if "{id}" not in self.path:
            return self.path
        return self.path.replace("{id}", str(ctx.id_for(self.target) if path_id is None else path_id))

    def headers(self, tokens: Tokens) -> Headers:
        return dict(tokens[self.role]) if self.role else {}


def _on_doc(
    name: str,
    method: str,
    path: str,
    body: Body,
    *,
    required: tuple[str, ...],
    wrong_types: tuple[WrongType, ...],
) -> Endpoint:
    """An endpoint whose {id} is a document registered for the test."""
    return Endpoint(
        name,
        method,
        path,
        body,
        target="doc",
        required=required,
        wrong_types=wrong_types,
        path_param="documento_id",
    )


def _accion(name: str) -> Endpoint:
    return _on_doc(
        name,
        "POST",
        f"/api/v1/documentos/{{id}}/{name}",
        lambda c: {"version": c.version},
        required=("version",),
        wrong_types=(
            ("version", "abc", "version"),
            ("version", 2.5, "version"),
            ("comentario", {"a": 1}, "comentario"),
        ),
    )


def _motivo(name: str) -> Endpoint:
    return _on_doc(
        name,
        "POST",
        f"/api/v1/documentos/{{id}}/{name}",
        lambda c: {"version": c.version, "motivo": "Falta la firma del remitente"},
        required=("version", "motivo"),
        wrong_types=(("version", "abc", "version"), ("motivo", {"a": 1}, "motivo"), ("motivo", 5, "motivo")),
    )


def _catalog(
    path: str,
    target: str,
    required: tuple[str, ...],
    create_wrong: tuple[WrongType, ...],
    update: Body,
    update_wrong: tuple[WrongType, ...],
) -> list[Endpoint]:
    return [
        Endpoint(
            f"crear_{target}",
            "POST",
            f"/api/v1/catalogos/{path}",
            lambda c: catalog_payload(path, c.world),
            required=required,
            wrong_types=create_wrong,
        ),
        Endpoint(
            f"actualizar_{target}",
            "PATCH",
            f"/api/v1/catalogos/{path}/{{id}}",
            update,
            target=target,
            wrong_types=update_wrong,
            path_param="item_id",
        ),
    ]


ENDPOINTS: list[Endpoint] = [
    Endpoint(
        "login",
        "POST",
        "/api/v1/auth/login",
        lambda c: {"username": "mesa", "password": "not-the-password"},
        role=None,
        required=("username", "password"),
        wrong_types=(
            ("username", {"a": 1}, "username"),
            ("password", 12345678, "password"),
            ("username", ["mesa"], "username"),
        ),
    ),
    Endpoint(
        "registrar",
        "POST",
        "/api/v1/documentos",
        lambda c: documento_payload(c.world),
        required=("tipo_documento_id", "asunto", "folios"),
        wrong_types=(
            ("folios", "abc", "folios"),
            ("folios", 2.5, "folios"),
            ("asunto", {"a": 1}, "asunto"),
            ("tipo_documento_id", "abc", "tipo_documento_id"),
            ("remitente", "abc", "remitente"),
            ("canal", 5, "canal"),
            ("remitente_id", 1.5, "remitente_id"),
        ),
    ),
    _on_doc(
        "actualizar_documento",
        "PATCH",
        "/api/v1/documentos/{id}",
        lambda c: {"version": c.version, "folios": 4},
        required=("version",),
        wrong_types=(
            ("version", "abc", "version"),
            ("folios", 2.5, "folios"),
            ("asunto", {"a": 1}, "asunto"),
            ("tipo_documento_id", "abc", "tipo_documento_id"),
            ("prioridad", 3, "prioridad"),
        ),
    ),
    _on_doc(
        "derivar",
        "POST",
        "/api/v1/documentos/{id}/derivar",
        lambda c: {"version": c.version, "destinos": [{"area_id": c.world.areas["OAJ"]}]},
        required=("version", "destinos"),
        wrong_types=(
            ("version", 2.5, "version"),
            ("destinos", "abc", "destinos"),
            ("destinos", {"area_id": 2}, "destinos"),
            ("destinos", [{"area_id": "abc"}], "area_id"),
            ("destinos", [{"area_id": 2, "es_copia": "quizas"}], "es_copia"),
        ),
    ),
    _accion("recibir"),
    _accion("procesar"),
    _accion("atender"),
    _accion("archivar"),
    _motivo("observar"),
    _motivo("anular"),
    *_catalog(
        "areas",
        "areas",
        ("codigo", "nombre", "sigla"),
        (
            ("codigo", {"a": 1}, "codigo"),
            ("nombre", [1], "nombre"),
            ("activo", "quizas", "activo"),
            ("parent_id", "abc", "parent_id"),
            ("parent_id", 2.5, "parent_id"),
        ),
        lambda c: {"nombre": "Área renombrada"},
        (("nombre", {"a": 1}, "nombre"), ("activo", "quizas", "activo"), ("parent_id", "abc", "parent_id")),
    ),
    *_catalog(
        "tipos-documento",
        "tipos_documento",
        ("codigo", "nombre"),
        (("codigo", 123, "codigo"), ("nombre", {"a": 1}, "nombre"), ("activo", "quizas", "activo")),
        lambda c: {"nombre": "Tipo renombrado"},
        (("nombre", {"a": 1}, "nombre"), ("activo", "quizas", "activo")),
    ),
    *_catalog(
        "procedimientos",
        "procedimientos",
        ("codigo", "nombre", "plazo_dias", "area_id"),
        (
            ("plazo_dias", "abc", "plazo_dias"),
            ("plazo_dias", 2.5, "plazo_dias"),
            ("area_id", "abc", "area_id"),
            ("costo", "gratis", "costo"),
            ("nombre", {"a": 1}, "nombre"),
        ),
        lambda c: {"nombre": "Procedimiento renombrado"},
        (("plazo_dias", 2.5, "plazo_dias"), ("area_id", "abc", "area_id"), ("costo", {"a": 1}, "costo")),
    ),
    *_catalog(
        "indicaciones",
        "indicaciones",
        ("codigo", "nombre"),
        (("codigo", 123, "codigo"), ("nombre", {"a": 1}, "nombre"), ("activo", "quizas", "activo")),
        lambda c: {"nombre": "Indicación renombrada"},
        (("nombre", {"a": 1}, "nombre"), ("activo", "quizas", "activo")),
    ),
    Endpoint(
        "crear_usuario",
        "POST",
        "/api/v1/usuarios",
        lambda c: usuario_payload(c.world),
        required=("username", "email", "nombre_completo", "password", "rol"),
        wrong_types=(
            ("username", {"a": 1}, "username"),
            ("rol", 1, "rol"),
            ("area_id", 2.5, "area_id"),
            ("activo", "quizas", "activo"),
            ("password", 12345678, "password"),
        ),
    ),
    Endpoint(
        "actualizar_usuario",
        "PATCH",
        "/api/v1/usuarios/{id}",
        lambda c: {"nombre_completo": "Otro Nombre"},
        target="usuario",
        wrong_types=(
            ("nombre_completo", {"a": 1}, "nombre_completo"),
            ("rol", 1, "rol"),
            ("area_id", "abc", "area_id"),
            ("activo", "quizas", "activo"),
        ),
        path_param="usuario_id",
    ),
]


@pytest.fixture
async def make_ctx(
    client: httpx.AsyncClient, tokens: Tokens, world: World, own_catalog: OwnCatalog, own_user: int
) -> MakeCtx:
    async def build(endpoint: Endpoint) -> Ctx:
        ctx = Ctx(world, own_catalog, own_user)
        if endpoint.target == "doc":
            doc = await registrar(client, tokens["admin"], world)
            ctx.doc_id, ctx.version = doc["id"], doc["version"]
        return ctx

    return build


def _ids(endpoint: Endpoint) -> str:
    return endpoint.name


async def endpoint_rejects(
    api: httpx.AsyncClient,
    tokens: Tokens,
    endpoint: Endpoint,
    ctx: Ctx,
    *,
    status: int,
    path_id: Any = None,
    content_type: str | None = None,
    **kwargs: Any,
) -> httpx.Response:
    """`rejected` for a request to `endpoint` as its role, at the id `ctx` gives (or at `path_id`)."""
    headers = endpoint.headers(tokens)
    if content_type is not None:
        headers["content-type"] = content_type
    url = endpoint.url(ctx, path_id)
    return await rejected(api, endpoint.method, url, status=status, headers=headers, **kwargs)


# ---- every write endpoint: the same kinds of bad input ---------------------------------------------


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=_ids)
async def test_malformed_json(
    api: httpx.AsyncClient, tokens: Tokens, make_ctx: MakeCtx, endpoint: Endpoint
) -> None:
    ctx = await make_ctx(endpoint)
    response = await endpoint_rejects(
        api, tokens, endpoint, ctx, status=422, content=b"{not json", content_type="application/json"
    )
    errors = response.json()["errors"]
    assert errors[0]["location"] == "body" and errors[0]["code"] == "json_invalid", response.text


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=_ids)
async def test_json_array_instead_of_object(
    api: httpx.AsyncClient, tokens: Tokens, make_ctx: MakeCtx, endpoint: Endpoint
) -> None:
    ctx = await make_ctx(endpoint)
    response = await endpoint_rejects(api, tokens, endpoint, ctx, status=422, json=[endpoint.body(ctx)])
    assert response.json()["errors"][0]["field"] == "body", response.text


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=_ids)
async def test_unknown_extra_field(
    api: httpx.AsyncClient, tokens: Tokens, make_ctx: MakeCtx, endpoint: Endpoint
) -> None:
    ctx = await make_ctx(endpoint)
    body = {**endpoint.body(ctx), "campo_desconocido": 1}
    await endpoint_rejects(api, tokens, endpoint, ctx, status=422, field="campo_desconocido", json=body)


@pytest.mark.parametrize(
    ("endpoint", "field"),
    [pytest.param(e, f, id=f"{e.name}-{f}") for e in ENDPOINTS for f in e.required],
)
async def test_missing_required_field(
    api: httpx.AsyncClient, tokens: Tokens, make_ctx: MakeCtx, endpoint: Endpoint, field: str
) -> None:
    ctx = await make_ctx(endpoint)
    body = {key: value for key, value in endpoint.body(ctx).items() if key != field}
    response = await endpoint_rejects(api, tokens, endpoint, ctx, status=422, field=field, json=body)
    errors = response.json()["errors"]
    assert any(e["code"] == "missing" and (e["location"], e["field"]) == ("body", field) for e in errors)


@pytest.mark.parametrize(
    ("endpoint", "key", "value", "field"),
    [
        pytest.param(e, k, v, f, id=f"{e.name}-{k}-{type(v).__name__}")
        for e in ENDPOINTS
        for k, v, f in e.wrong_types
    ],
)
async def test_wrong_type(
    api: httpx.AsyncClient,
    tokens: Tokens,
    make_ctx: MakeCtx,
    endpoint: Endpoint,
    key: str,
    value: Any,
    field: str,
) -> None:
    ctx = await make_ctx(endpoint)
    body = {**endpoint.body(ctx), key: value}
    await endpoint_rejects(api, tokens, endpoint, ctx, status=422, field=field, json=body)


@pytest.mark.parametrize(
    ("endpoint", "path_id"),
    [pytest.param(e, v, id=f"{e.name}-{v}") for e in ENDPOINTS if e.path_param for v in (0, -1, HUGE, "abc")],
)
async def test_invalid_path_id(
    api: httpx.AsyncClient, tokens: Tokens, make_ctx: MakeCtx, endpoint: Endpoint, path_id: Any
) -> None:
    ctx = await make_ctx(endpoint)
    assert endpoint.path_param is not None
    await endpoint_rejects(
        api,
        tokens,
        endpoint,
        ctx,
        status=422,
        path_id=path_id,
        field=endpoint.path_param,
        json=endpoint.body(ctx),
    )


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e.path_param], ids=_ids)
async def test_unknown_path_id_is_404(
    api: httpx.AsyncClient, tokens: Tokens, make_ctx: MakeCtx, endpoint: Endpoint
) -> None:
    ctx = await make_ctx(endpoint)
    response = await endpoint_rejects(
        api, tokens, endpoint, ctx, status=404, path_id=UNKNOWN_ID, json=endpoint.body(ctx)
    )
    assert str(UNKNOWN_ID) in response.text


# ---- every POST/PATCH route of the application, present and future ---------------------------------


async def test_every_write_route_survives_garbage(
    api: httpx.AsyncClient, tokens: Tokens, world: World
) -> None:
    """Walk the app's routes so that new endpoints are covered without editing this test."""
    routes = [
        (method, route.path)
        for route in iter_route_contexts(app.routes)
        for method in sorted(route.methods or ())
        if method in ("POST", "PATCH") and route.path
    ]
    assert len(routes) >= 20, routes  # the walk did find the included routers
    bodies: list[tuple[str, dict[str, Any]]] = [
        ("json {'unexpected': 1}", {"json": {"unexpected": 1}}),
        (
            "0xFFFE declared as JSON",
            {"content": b"\xff\xfe", "headers": {"content-type": "application/json"}},
        ),
        ("0xFFFE without content-type", {"content": b"\xff\xfe"}),
        ("0xFFFE as text/plain", {"content": b"\xff\xfe", "headers": {"content-type": "text/plain"}}),
    ]
    failures: list[str] = []
    for method, path in routes:
        url = re.sub(r"\{[^}]+\}", "1", path)
        for label, kwargs in bodies:
            before = await fingerprint()
            headers = {**tokens["admin"], **kwargs.get("headers", {})}
            request_kwargs = {key: value for key, value in kwargs.items() if key != "headers"}
            response = await api.request(method, url, headers=headers, **request_kwargs)
            if not 400 <= response.status_code < 500:
                failures.append(f"{method} {url} with {label}: {response.status_code} {response.text[:200]}")
            elif changed_tables(before, await fingerprint()):
                failures.append(
                    f"{method} {url} with {label}: rejected ({response.status_code}) but wrote rows"
                )
    assert not failures, "\n".join(failures)
