"""Bad input gets a clear 4xx that names the field, never a 500, and a rejected request writes nothing.

422 is validation (FastAPI's `detail` list, or the app's own `InvalidInput` of the same shape), 404 an
unknown id in the path, 409 a conflict, 401/403 auth. Every rejected write is checked against a
fingerprint (row count + content hash) of every table it could touch.
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi.routing import iter_route_contexts

from app.catalogos.models import Area
from app.core.database import db
from app.main import app
from tests.conftest import World, documento_payload, nuevo_dni, registrar
from tests.helpers import (
    UNKNOWN_ID,
    Headers,
    Json,
    OwnCatalog,
    Tokens,
    catalog_payload,
    changed_tables,
    fingerprint,
    unique,
    usuario_payload,
)

HUGE = 2**70
ONE_MB = "x" * 1_000_000
LONG_NAME = "n" * 100_000


# ---- helpers --------------------------------------------------------------------------------------


def _loc_parts(error: dict[str, Any]) -> list[str]:
    """The loc split on dots, without trailing list indexes (["query", "estado", 0] names estado)."""
    parts = [part for item in error.get("loc", []) for part in str(item).split(".")]
    while len(parts) > 1 and parts[-1].isdigit():
        parts.pop()
    return parts


def names_field(response: httpx.Response, field: str) -> bool:
    """Whether an error of the body names `field`: a 422 `loc` ending in it (or, for a model-level
    error whose loc is just the body, its message), or the `field` of an app error."""
    detail = response.json().get("detail")
    if isinstance(detail, list):
        for error in detail:
            parts = _loc_parts(error)
            if parts and parts[-1] == field:
                return True
            if parts in (["body"], ["query"]) and field in str(error.get("msg", "")):
                return True
        return False
    if isinstance(detail, dict):
        return detail.get("field") == field or field in str(detail.get("message", ""))
    return False


async def rejected(
    api: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    status: int | tuple[int, ...],
    field: str | None = None,
    **kwargs: Any,
) -> httpx.Response:
    """Send a request that must be rejected with `status`, naming `field`, and write nothing."""
    before = await fingerprint()
    response = await api.request(method, url, **kwargs)
    shown = response.text[:1500]
    assert response.status_code != 500, f"{method} {url} answered 500: {shown}"
    statuses = status if isinstance(status, tuple) else (status,)
    assert response.status_code in statuses, f"{method} {url}: {response.status_code} {shown}"
    if field is not None:
        assert field in response.text, f"{field!r} not in the error body: {shown}"
        assert names_field(response, field), f"no error names {field!r}: {shown}"
    changed = changed_tables(before, await fingerprint())
    assert not changed, f"{method} {url} was rejected ({response.status_code}) but changed {changed}"
    return response


def b64(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


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
    errors = response.json()["detail"]
    assert errors[0]["loc"][0] == "body" and errors[0]["type"] == "json_invalid", response.text


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=_ids)
async def test_json_array_instead_of_object(
    api: httpx.AsyncClient, tokens: Tokens, make_ctx: MakeCtx, endpoint: Endpoint
) -> None:
    ctx = await make_ctx(endpoint)
    response = await endpoint_rejects(api, tokens, endpoint, ctx, status=422, json=[endpoint.body(ctx)])
    assert response.json()["detail"][0]["loc"] == ["body"], response.text


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
    assert any(e["type"] == "missing" and e["loc"] == ["body", field] for e in response.json()["detail"])


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


# ---- POST /documentos: domain validation -----------------------------------------------------------


def _remitente(**overrides: Any) -> Json:
    remitente: Json = {
        "tipo_persona": "natural",
        "tipo_documento_identidad": "DNI",
        "numero_documento_identidad": nuevo_dni(),
        "nombre": "Rosa Mamani Condori",
    }
    remitente.update(overrides)
    return remitente


def _juridica(ruc: str) -> Json:
    return _remitente(
        tipo_persona="juridica",
        tipo_documento_identidad="RUC",
        numero_documento_identidad=ruc,
        nombre="Empresa de Pruebas S.A.C.",
    )


def _bad_identity_number(remitente: Json, case_id: str) -> Any:
    """A REGISTRO_INVALIDO case: the sender's numero_documento_identidad must be rejected."""
    return pytest.param({"remitente": remitente}, "numero_documento_identidad", id=case_id)


REGISTRO_INVALIDO: list[Any] = [
    pytest.param({"asunto": ONE_MB}, "asunto", id="asunto-1MB"),
    pytest.param({"asunto": "ab"}, "asunto", id="asunto-too-short"),
    pytest.param({"asunto": "     "}, "asunto", id="asunto-blank"),
    pytest.param({"asunto": None}, "asunto", id="asunto-null"),
    pytest.param({"asunto": "Solicitud con byte nulo \x00 en el asunto"}, "asunto", id="asunto-nul-byte"),
    pytest.param({"folios": HUGE}, "folios", id="folios-2**70"),
    pytest.param({"folios": 0}, "folios", id="folios-0"),
    pytest.param({"folios": -1}, "folios", id="folios-negative"),
    pytest.param({"folios": 100_001}, "folios", id="folios-too-many"),
    pytest.param({"folios": None}, "folios", id="folios-null"),
    pytest.param({"tipo_documento_id": HUGE}, "tipo_documento_id", id="tipo-2**70"),
    pytest.param({"tipo_documento_id": 0}, "tipo_documento_id", id="tipo-0"),
    pytest.param({"tipo_documento_id": 999_999}, "tipo_documento_id", id="tipo-unknown"),
    pytest.param({"procedimiento_id": 999_999}, "procedimiento_id", id="procedimiento-unknown"),
    pytest.param({"procedimiento_id": HUGE}, "procedimiento_id", id="procedimiento-2**70"),
    pytest.param({"remitente": None, "remitente_id": 999_999}, "remitente_id", id="remitente_id-unknown"),
    pytest.param({"remitente": None, "remitente_id": HUGE}, "remitente_id", id="remitente_id-2**70"),
    pytest.param({"remitente": None, "remitente_id": -3}, "remitente_id", id="remitente_id-negative"),
    pytest.param({"remitente_id": 1}, "remitente", id="remitente-and-remitente_id"),
    pytest.param({"remitente": None}, "remitente", id="neither-remitente-nor-id"),
    pytest.param({"numero_documento": "x" * 101}, "numero_documento", id="numero_documento-too-long"),
    pytest.param({"observacion": "x" * 4001}, "observacion", id="observacion-too-long"),
    pytest.param({"canal": "fax"}, "canal", id="canal-unknown"),
    pytest.param({"prioridad": "maxima"}, "prioridad", id="prioridad-unknown"),
    # the sender
    _bad_identity_number(_remitente(numero_documento_identidad="1234567"), "dni-7-digits"),
    _bad_identity_number(_remitente(numero_documento_identidad="123456789"), "dni-9-digits"),
    _bad_identity_number(_remitente(numero_documento_identidad="1234567a"), "dni-letter"),
    _bad_identity_number(_remitente(numero_documento_identidad=""), "dni-empty"),
    _bad_identity_number(_remitente(numero_documento_identidad="x" * 100_000), "dni-huge"),
    _bad_identity_number(_juridica("20131312956"), "ruc-bad-check-digit"),
    _bad_identity_number(_juridica("2013131295"), "ruc-10-digits"),
    _bad_identity_number(_juridica("201313129550"), "ruc-12-digits"),
    _bad_identity_number(_juridica("30131312955"), "ruc-bad-prefix"),
    _bad_identity_number(
        _remitente(tipo_documento_identidad="RUC", numero_documento_identidad="20131312955"),
        "ruc-20-for-natural-person",
    ),
    pytest.param(
        {"remitente": _remitente(tipo_documento_identidad="LE")},
        "tipo_documento_identidad",
        id="tipo-documento-identidad-unknown",
    ),
    pytest.param({"remitente": _remitente(tipo_persona="robot")}, "tipo_persona", id="tipo-persona-unknown"),
    pytest.param({"remitente": _remitente(email="no-es-un-correo")}, "email", id="email-no-at"),
    pytest.param({"remitente": _remitente(email="a@b")}, "email", id="email-no-dot"),
    pytest.param({"remitente": _remitente(email="a@@b.pe")}, "email", id="email-double-at"),
    pytest.param({"remitente": _remitente(email="a b@c.pe")}, "email", id="email-space"),
    pytest.param({"remitente": _remitente(email="x" * 300 + "@example.pe")}, "email", id="email-too-long"),
    pytest.param({"remitente": _remitente(nombre=LONG_NAME)}, "nombre", id="nombre-100k"),
    pytest.param({"remitente": _remitente(nombre="")}, "nombre", id="nombre-empty"),
    pytest.param({"remitente": _remitente(telefono="llámame")}, "telefono", id="telefono-letters"),
    pytest.param({"remitente": _remitente(direccion="d" * 301)}, "direccion", id="direccion-too-long"),
    pytest.param({"remitente": _remitente(pais_codigo="ZZ")}, "pais_codigo", id="pais-unknown"),
    pytest.param({"remitente": _remitente(pais_codigo="per")}, "pais_codigo", id="pais-bad-format"),
    pytest.param({"remitente": _remitente(extra=1)}, "extra", id="remitente-extra-field"),
]


@pytest.mark.parametrize(("overrides", "field"), REGISTRO_INVALIDO)
async def test_registrar_rejects_bad_field(
    api: httpx.AsyncClient, tokens: Tokens, world: World, overrides: Json, field: str
) -> None:
    await rejected(
        api,
        "POST",
        "/api/v1/documentos",
        status=422,
        field=field,
        json=documento_payload(world, **overrides),
        headers=tokens["mesa"],
    )


def ruc(prefix: str) -> str:
    """A fresh RUC with a correct SUNAT modulo-11 check digit (computed here, not by the app)."""
    first_ten = prefix + f"{uuid.uuid4().int % 10 ** (10 - len(prefix)):0{10 - len(prefix)}d}"
    total = sum(int(d) * f for d, f in zip(first_ten, (5, 4, 3, 2, 7, 6, 5, 4, 3, 2), strict=True))
    return first_ten + str((11 - total % 11) % 10)


def test_ruc_helper_agrees_with_the_known_example() -> None:
    assert ruc("201313129")[:9] == "201313129"
    first_ten = "2013131295"
    total = sum(int(d) * f for d, f in zip(first_ten, (5, 4, 3, 2, 7, 6, 5, 4, 3, 2), strict=True))
    assert first_ten + str((11 - total % 11) % 10) == "20131312955"


async def test_ruc_20131312955_passes_identity_validation(
    api: httpx.AsyncClient, tokens: Tokens, world: World
) -> None:
    """The documented valid RUC is accepted by the sender validation. The request is made to fail on
    another field so that no sender is created (another module registers documents for this RUC)."""
    payload = documento_payload(world, tipo_documento_id=999_999, remitente=_juridica("20131312955"))
    response = await rejected(
        api,
        "POST",
        "/api/v1/documentos",
        status=422,
        field="tipo_documento_id",
        json=payload,
        headers=tokens["mesa"],
    )
    assert not names_field(response, "numero_documento_identidad"), response.text


@pytest.mark.parametrize(
    "remitente",
    [
        pytest.param(lambda: _juridica(ruc("20")), id="ruc-20-valid-check-digit"),
        pytest.param(lambda: _juridica(ruc("10")), id="ruc-10-juridica"),
        pytest.param(
            lambda: _remitente(tipo_documento_identidad="RUC", numero_documento_identidad=ruc("10")),
            id="ruc-10-natural",
        ),
        pytest.param(
            lambda: _remitente(numero_documento_identidad="00" + nuevo_dni()[2:]), id="dni-leading-zeros"
        ),
        pytest.param(
            lambda: _remitente(
                numero_documento_identidad=nuevo_dni(), email="ana.perez@gob.pe", telefono="(01) 315-6600"
            ),
            id="dni-with-contact-data",
        ),
    ],
)
async def test_registrar_accepts_valid_identity(
    api: httpx.AsyncClient, tokens: Tokens, world: World, remitente: Callable[[], Json]
) -> None:
    """Controls for the cases above: the validators do not reject good numbers."""
    sender = remitente()
    response = await api.post(
        "/api/v1/documentos", json=documento_payload(world, remitente=sender), headers=tokens["mesa"]
    )
    assert response.status_code == 201, response.text
    assert response.json()["remitente"]["numero_documento_identidad"] == sender["numero_documento_identidad"]


@pytest.mark.parametrize("key", ["corta", "con espacios", "x" * 65, "clave/con#raros"])
async def test_registrar_rejects_bad_idempotency_key(
    api: httpx.AsyncClient, tokens: Tokens, world: World, key: str
) -> None:
    await rejected(
        api,
        "POST",
        "/api/v1/documentos",
        status=422,
        field="idempotency-key",
        json=documento_payload(world),
        headers={**tokens["mesa"], "Idempotency-Key": key},
    )


# ---- PATCH /documentos/{id} and the actions: on a document just registered -------------------------


@pytest.fixture
async def new_doc(client: httpx.AsyncClient, tokens: Tokens, world: World) -> Json:
    """A document just registered by mesa de partes (estado registrado)."""
    return await registrar(client, tokens["mesa"], world)


async def rejected_on_doc(
    api: httpx.AsyncClient,
    doc: Json,
    accion: str,
    headers: Headers,
    body: Json,
    *,
    status: int,
    field: str | None = None,
) -> httpx.Response:
    """`rejected` for PATCH /documentos/{id} (accion "actualizar") or POST /documentos/{id}/{accion},
    with the document's version and `body` (which may override the version)."""
    url = f"/api/v1/documentos/{doc['id']}"
    method, url = ("PATCH", url) if accion == "actualizar" else ("POST", f"{url}/{accion}")
    json_body = {"version": doc["version"], **body}
    return await rejected(api, method, url, status=status, field=field, json=json_body, headers=headers)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        pytest.param({"folios": None}, "folios", id="folios-null"),
        pytest.param({"asunto": None}, "asunto", id="asunto-null"),
        pytest.param({"prioridad": None}, "prioridad", id="prioridad-null"),
        pytest.param({"tipo_documento_id": None}, "tipo_documento_id", id="tipo-null"),
        pytest.param({"tipo_documento_id": 999_999}, "tipo_documento_id", id="tipo-unknown"),
        pytest.param({"tipo_documento_id": HUGE}, "tipo_documento_id", id="tipo-2**70"),
        pytest.param({"folios": 0}, "folios", id="folios-0"),
        pytest.param({"folios": -5}, "folios", id="folios-negative"),
        pytest.param({"folios": HUGE}, "folios", id="folios-2**70"),
        pytest.param({"asunto": ONE_MB}, "asunto", id="asunto-1MB"),
        pytest.param({"asunto": "a\x00b en el asunto"}, "asunto", id="asunto-nul-byte"),
        pytest.param({"observacion": "x" * 4001}, "observacion", id="observacion-too-long"),
        pytest.param({"version": 0}, "version", id="version-0"),
        pytest.param({"version": HUGE}, "version", id="version-2**70"),
        pytest.param({"version": None}, "version", id="version-null"),
        pytest.param({"remitente_id": 1}, "remitente_id", id="remitente-not-editable"),
        pytest.param({"estado": "archivado"}, "estado", id="estado-not-editable"),
    ],
)
async def test_actualizar_rejects_bad_field(
    api: httpx.AsyncClient, tokens: Tokens, new_doc: Json, changes: Json, field: str
) -> None:
    await rejected_on_doc(api, new_doc, "actualizar", tokens["mesa"], changes, status=422, field=field)


# ---- derivar ---------------------------------------------------------------------------------------


def _destinos(world: World, case: str) -> Any:
    oaj, oga = world.areas["OAJ"], world.areas["OGA"]
    return {
        "empty": [],
        "only-copies": [{"area_id": oaj, "es_copia": True}, {"area_id": oga, "es_copia": True}],
        "two-main": [{"area_id": oaj}, {"area_id": oga}],
        "same-area-twice": [{"area_id": oaj}, {"area_id": oaj, "es_copia": True}],
        "too-many": [{"area_id": oaj}, *({"area_id": 10_000 + i, "es_copia": True} for i in range(20))],
        "unknown-area": [{"area_id": 999_999}],
        "unknown-copy-area": [{"area_id": oaj}, {"area_id": 999_999, "es_copia": True}],
        "area-2**70": [{"area_id": HUGE}],
        "area-0": [{"area_id": 0}],
        "area-missing": [{"es_copia": False}],
        "current-area": [{"area_id": world.areas["MP"]}],
        "unknown-indicacion": [{"area_id": oaj, "indicacion_id": 999_999}],
        "indicacion-2**70": [{"area_id": oaj, "indicacion_id": HUGE}],
        "plazo-negative": [{"area_id": oaj, "plazo_dias": -1}],
        "plazo-too-long": [{"area_id": oaj, "plazo_dias": 366}],
        "plazo-2**70": [{"area_id": oaj, "plazo_dias": HUGE}],
        "proveido-too-long": [{"area_id": oaj, "proveido": "p" * 4001}],
        "proveido-nul-byte": [{"area_id": oaj, "proveido": "Atender \x00 con urgencia"}],
        "prioridad-unknown": [{"area_id": oaj, "prioridad": "ya"}],
        "destino-extra-field": [{"area_id": oaj, "campo_desconocido": 1}],
    }[case]


@pytest.mark.parametrize(
    ("case", "field"),
    [
        ("empty", "destinos"),
        ("only-copies", "destinos"),
        ("two-main", "destinos"),
        ("same-area-twice", "destinos"),
        ("too-many", "destinos"),
        ("unknown-area", "area_id"),
        ("unknown-copy-area", "area_id"),
        ("area-2**70", "area_id"),
        ("area-0", "area_id"),
        ("area-missing", "area_id"),
        ("current-area", "area_id"),
        ("unknown-indicacion", "indicacion_id"),
        ("indicacion-2**70", "indicacion_id"),
        ("plazo-negative", "plazo_dias"),
        ("plazo-too-long", "plazo_dias"),
        ("plazo-2**70", "plazo_dias"),
        ("proveido-too-long", "proveido"),
        ("proveido-nul-byte", "proveido"),
        ("prioridad-unknown", "prioridad"),
        ("destino-extra-field", "campo_desconocido"),
    ],
)
async def test_derivar_rejects_bad_destinos(
    api: httpx.AsyncClient, tokens: Tokens, world: World, new_doc: Json, case: str, field: str
) -> None:
    body = {"destinos": _destinos(world, case)}
    await rejected_on_doc(api, new_doc, "derivar", tokens["mesa"], body, status=422, field=field)


async def test_derivar_to_inactive_area_is_rejected(
    api: httpx.AsyncClient, tokens: Tokens, new_doc: Json
) -> None:
    async with db.sessionmaker() as session, session.begin():
        area = Area(codigo=unique("IN"), nombre="Área inactiva", sigla="AI", activo=False)
        session.add(area)
        await session.flush()
        inactive = area.id
    body = {"destinos": [{"area_id": inactive}]}
    await rejected_on_doc(api, new_doc, "derivar", tokens["mesa"], body, status=422, field="area_id")


# ---- the other actions -----------------------------------------------------------------------------


@pytest.mark.parametrize("accion", ["recibir", "procesar", "atender", "archivar"])
@pytest.mark.parametrize(
    ("extra", "field"),
    [
        pytest.param({"comentario": "c" * 4001}, "comentario", id="comentario-too-long"),
        pytest.param({"comentario": ""}, "comentario", id="comentario-empty"),
        pytest.param({"version": 0}, "version", id="version-0"),
        pytest.param({"version": -1}, "version", id="version-negative"),
        pytest.param({"version": HUGE}, "version", id="version-2**70"),
    ],
)
async def test_accion_rejects_bad_field(
    api: httpx.AsyncClient, tokens: Tokens, new_doc: Json, accion: str, extra: Json, field: str
) -> None:
    await rejected_on_doc(api, new_doc, accion, tokens["admin"], extra, status=422, field=field)


@pytest.mark.parametrize("accion", ["observar", "anular"])
@pytest.mark.parametrize(
    ("motivo", "field"),
    [
        pytest.param("", "motivo", id="empty"),
        pytest.param("    ", "motivo", id="blank"),
        pytest.param(None, "motivo", id="null"),
        pytest.param("m" * 4001, "motivo", id="too-long"),
        pytest.param(ONE_MB, "motivo", id="1MB"),
        pytest.param("Falta \x00 firma", "motivo", id="nul-byte"),
    ],
)
async def test_motivo_rejects_bad_value(
    api: httpx.AsyncClient, tokens: Tokens, new_doc: Json, accion: str, motivo: Any, field: str
) -> None:
    body = {"motivo": motivo}
    await rejected_on_doc(api, new_doc, accion, tokens["mesa"], body, status=422, field=field)


@pytest.mark.parametrize("accion", ["recibir", "procesar", "atender", "archivar"])
async def test_illegal_transition_is_409_and_writes_nothing(
    api: httpx.AsyncClient, tokens: Tokens, new_doc: Json, accion: str
) -> None:
    response = await rejected_on_doc(api, new_doc, accion, tokens["admin"], {}, status=409)
    assert response.json()["detail"]["estado_actual"] == "registrado"


async def test_stale_version_is_409_and_writes_nothing(
    api: httpx.AsyncClient, tokens: Tokens, new_doc: Json
) -> None:
    body = {"version": new_doc["version"] + 1, "motivo": "Falta firma"}
    response = await rejected_on_doc(api, new_doc, "observar", tokens["mesa"], body, status=409)
    assert response.json()["detail"]["version_actual"] == new_doc["version"]


# ---- catalogs --------------------------------------------------------------------------------------


CATALOGO_CREAR_INVALIDO: list[Any] = [
    pytest.param("areas", {"codigo": "con espacio"}, 422, "codigo", id="areas-codigo-pattern"),
    pytest.param("areas", {"codigo": "c" * 21}, 422, "codigo", id="areas-codigo-too-long"),
    pytest.param("areas", {"codigo": ""}, 422, "codigo", id="areas-codigo-empty"),
    pytest.param("areas", {"nombre": LONG_NAME}, 422, "nombre", id="areas-nombre-100k"),
    pytest.param("areas", {"nombre": "   "}, 422, "nombre", id="areas-nombre-blank"),
    pytest.param("areas", {"sigla": "s" * 21}, 422, "sigla", id="areas-sigla-too-long"),
    pytest.param("areas", {"parent_id": 999_999}, 422, "parent_id", id="areas-parent-unknown"),
    pytest.param("areas", {"parent_id": HUGE}, 422, "parent_id", id="areas-parent-2**70"),
    pytest.param("areas", {"parent_id": 0}, 422, "parent_id", id="areas-parent-0"),
    pytest.param("areas", {"codigo": "MP"}, 409, "codigo", id="areas-codigo-duplicate"),
    pytest.param("tipos-documento", {"nombre": "n" * 150}, 422, "nombre", id="tipos-nombre-150"),
    pytest.param("tipos-documento", {"nombre": LONG_NAME}, 422, "nombre", id="tipos-nombre-100k"),
    pytest.param("tipos-documento", {"codigo": "SOL"}, 409, "codigo", id="tipos-codigo-duplicate"),
    pytest.param("procedimientos", {"area_id": 999_999}, 422, "area_id", id="proc-area-unknown"),
    pytest.param("procedimientos", {"area_id": HUGE}, 422, "area_id", id="proc-area-2**70"),
    pytest.param("procedimientos", {"plazo_dias": -1}, 422, "plazo_dias", id="proc-plazo-negative"),
    pytest.param("procedimientos", {"plazo_dias": 366}, 422, "plazo_dias", id="proc-plazo-too-long"),
    pytest.param("procedimientos", {"plazo_dias": HUGE}, 422, "plazo_dias", id="proc-plazo-2**70"),
    pytest.param("procedimientos", {"costo": -1}, 422, "costo", id="proc-costo-negative"),
    pytest.param("procedimientos", {"costo": "1.234"}, 422, "costo", id="proc-costo-3-decimals"),
    pytest.param("procedimientos", {"costo": 10**13}, 422, "costo", id="proc-costo-too-big"),
    pytest.param("procedimientos", {"moneda_codigo": "ZZZ"}, 422, "moneda_codigo", id="proc-moneda-unknown"),
    pytest.param("procedimientos", {"moneda_codigo": "pen"}, 422, "moneda_codigo", id="proc-moneda-format"),
    pytest.param("procedimientos", {"nombre": "n" * 301}, 422, "nombre", id="proc-nombre-too-long"),
    pytest.param("procedimientos", {"codigo": "TUPA-01"}, 409, "codigo", id="proc-codigo-duplicate"),
    pytest.param("indicaciones", {"nombre": "n" * 150}, 422, "nombre", id="indicaciones-nombre-150"),
    pytest.param("indicaciones", {"nombre": LONG_NAME}, 422, "nombre", id="indicaciones-nombre-100k"),
    pytest.param("indicaciones", {"codigo": "ACC"}, 409, "codigo", id="indicaciones-codigo-duplicate"),
]


@pytest.mark.parametrize(("path", "overrides", "status", "field"), CATALOGO_CREAR_INVALIDO)
async def test_catalog_create_rejects_bad_field(
    api: httpx.AsyncClient, tokens: Tokens, world: World, path: str, overrides: Json, status: int, field: str
) -> None:
    await rejected(
        api,
        "POST",
        f"/api/v1/catalogos/{path}",
        status=status,
        field=field,
        json={**catalog_payload(path, world), **overrides},
        headers=tokens["admin"],
    )


CATALOGO_ACTUALIZAR_INVALIDO: list[Any] = [
    pytest.param("areas", {"nombre": None}, "nombre", id="areas-nombre-null"),
    pytest.param("areas", {"sigla": None}, "sigla", id="areas-sigla-null"),
    pytest.param("areas", {"activo": None}, "activo", id="areas-activo-null"),
    pytest.param("areas", {"nombre": LONG_NAME}, "nombre", id="areas-nombre-100k"),
    pytest.param("areas", {"parent_id": "self"}, "parent_id", id="areas-parent-self"),
    pytest.param("areas", {"parent_id": 999_999}, "parent_id", id="areas-parent-unknown"),
    pytest.param("areas", {"parent_id": HUGE}, "parent_id", id="areas-parent-2**70"),
    pytest.param("areas", {"codigo": "NUEVO"}, "codigo", id="areas-codigo-not-editable"),
    pytest.param("tipos-documento", {"nombre": "n" * 150}, "nombre", id="tipos-nombre-150"),
    pytest.param("tipos-documento", {"nombre": None}, "nombre", id="tipos-nombre-null"),
    pytest.param("tipos-documento", {"activo": None}, "activo", id="tipos-activo-null"),
    pytest.param("procedimientos", {"area_id": None}, "area_id", id="proc-area-null"),
    pytest.param("procedimientos", {"area_id": 999_999}, "area_id", id="proc-area-unknown"),
    pytest.param("procedimientos", {"plazo_dias": None}, "plazo_dias", id="proc-plazo-null"),
    pytest.param("procedimientos", {"plazo_dias": -1}, "plazo_dias", id="proc-plazo-negative"),
    pytest.param("procedimientos", {"costo": None}, "costo", id="proc-costo-null"),
    pytest.param("procedimientos", {"moneda_codigo": "ZZZ"}, "moneda_codigo", id="proc-moneda-unknown"),
    pytest.param("procedimientos", {"moneda_codigo": None}, "moneda_codigo", id="proc-moneda-null"),
    pytest.param("indicaciones", {"nombre": "n" * 150}, "nombre", id="indicaciones-nombre-150"),
    pytest.param("indicaciones", {"nombre": None}, "nombre", id="indicaciones-nombre-null"),
]


@pytest.mark.parametrize(("path", "changes", "field"), CATALOGO_ACTUALIZAR_INVALIDO)
async def test_catalog_update_rejects_bad_field(
    api: httpx.AsyncClient, tokens: Tokens, own_catalog: OwnCatalog, path: str, changes: Json, field: str
) -> None:
    item_id = getattr(own_catalog, path.replace("-", "_"))
    changes = {key: item_id if value == "self" else value for key, value in changes.items()}
    await rejected(
        api,
        "PATCH",
        f"/api/v1/catalogos/{path}/{item_id}",
        status=422,
        field=field,
        json=changes,
        headers=tokens["admin"],
    )


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


# ---- GET /documentos and /estadisticas query parameters --------------------------------------------


TS = "2026-01-15T10:00:00+00:00"
LISTADO_INVALIDO: list[Any] = [
    pytest.param({"page_size": 0}, "page_size", id="page_size-0"),
    pytest.param({"page_size": 101}, "page_size", id="page_size-101"),
    pytest.param({"page_size": "diez"}, "page_size", id="page_size-text"),
    pytest.param({"page_size": HUGE}, "page_size", id="page_size-2**70"),
    pytest.param({"page": 0}, "page", id="page-0"),
    pytest.param({"page": 10_001}, "page", id="page-too-far"),
    pytest.param({"fecha_desde": "2026-13-01"}, "fecha_desde", id="fecha_desde-month-13"),
    pytest.param({"fecha_desde": "2026-02-30"}, "fecha_desde", id="fecha_desde-feb-30"),
    pytest.param({"fecha_desde": "ayer"}, "fecha_desde", id="fecha_desde-text"),
    pytest.param({"fecha_hasta": "15/01/2026"}, "fecha_hasta", id="fecha_hasta-format"),
    pytest.param(
        {"fecha_desde": "2026-02-01", "fecha_hasta": "2026-01-01"}, "fecha_desde", id="desde-after-hasta"
    ),
    pytest.param({"estado": "perdido"}, "estado", id="estado-unknown"),
    pytest.param({"estado": ["registrado", "perdido"]}, "estado", id="estado-one-unknown"),
    pytest.param({"area_id": 0}, "area_id", id="area_id-0"),
    pytest.param({"area_id": HUGE}, "area_id", id="area_id-2**70"),
    pytest.param({"remitente_id": "abc"}, "remitente_id", id="remitente_id-text"),
    pytest.param({"tipo_documento_id": -1}, "tipo_documento_id", id="tipo_documento_id-negative"),
    pytest.param({"vencidos": "quizas"}, "vencidos", id="vencidos-text"),
    pytest.param({"sort": "asunto"}, "sort", id="sort-unknown"),
    pytest.param({"q": "a"}, "q", id="q-too-short"),
    pytest.param({"q": "q" * 201}, "q", id="q-too-long"),
    pytest.param({"q": "contrato\x00s"}, "q", id="q-nul-byte"),
    pytest.param({"cursor": "no-es-un-cursor!!"}, "cursor", id="cursor-garbage"),
    pytest.param({"cursor": "c" * 201}, "cursor", id="cursor-too-long"),
    pytest.param({"cursor": b64(["ayer", 1])}, "cursor", id="cursor-bad-date"),
    pytest.param({"cursor": b64(["2026-01-15T10:00:00", 1])}, "cursor", id="cursor-naive-date"),
    pytest.param({"cursor": b64([TS, "1"])}, "cursor", id="cursor-id-text"),
    pytest.param({"cursor": b64([TS])}, "cursor", id="cursor-one-item"),
    pytest.param({"cursor": b64({"a": 1})}, "cursor", id="cursor-object"),
    pytest.param({"cursor": b64([TS, True])}, "cursor", id="cursor-id-bool"),
    pytest.param({"cursor": b64([TS, 2**63])}, "cursor", id="cursor-id-2**63"),
    pytest.param({"cursor": b64(["0001-01-01T00:00:00+14:00", 1])}, "cursor", id="cursor-date-before-year-1"),
]


@pytest.mark.parametrize(("params", "field"), LISTADO_INVALIDO)
async def test_listar_rejects_bad_query(
    api: httpx.AsyncClient, tokens: Tokens, params: Json, field: str
) -> None:
    await rejected(
        api, "GET", "/api/v1/documentos", status=422, field=field, params=params, headers=tokens["admin"]
    )


@pytest.mark.parametrize("path", ["/api/v1/documentos", "/api/v1/estadisticas"])
@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"fecha_hasta": "9999-12-31"}, id="hasta-9999-12-31"),
        pytest.param({"fecha_desde": "0001-01-01"}, id="desde-0001-01-01"),
        pytest.param({"fecha_desde": "0001-01-01", "fecha_hasta": "9999-12-31"}, id="whole-calendar"),
    ],
)
async def test_extreme_but_valid_dates_do_not_crash(
    api: httpx.AsyncClient, tokens: Tokens, path: str, params: Json
) -> None:
    response = await api.get(path, params=params, headers=tokens["admin"])
    assert response.status_code != 500, f"{path} {params} answered 500"
    assert response.status_code in (200, 422), response.text
    if response.status_code == 422:
        assert names_field(response, next(iter(params))), response.text


@pytest.mark.parametrize(
    ("params", "field"),
    [
        pytest.param(
            {"fecha_desde": "2026-02-01", "fecha_hasta": "2026-01-01"}, "fecha_desde", id="desde-after"
        ),
        pytest.param({"fecha_desde": "2026-13-01"}, "fecha_desde", id="bad-date"),
        pytest.param({"fecha_hasta": "mañana"}, "fecha_hasta", id="text-date"),
    ],
)
async def test_estadisticas_rejects_bad_query(
    api: httpx.AsyncClient, tokens: Tokens, params: Json, field: str
) -> None:
    await rejected(
        api, "GET", "/api/v1/estadisticas", status=422, field=field, params=params, headers=tokens["auditor"]
    )


# ---- GET /seguimiento ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        pytest.param({"codigo": "ABCD2345"}, 422, "numero", id="numero-missing"),
        pytest.param({"numero": "2026-000001"}, 422, "codigo", id="codigo-missing"),
        pytest.param({"numero": "abc", "codigo": "ABCD2345"}, 422, "numero", id="numero-text"),
        pytest.param({"numero": "2026-1", "codigo": "ABCD2345"}, 422, "numero", id="numero-short"),
        pytest.param({"numero": "2026-00000000001", "codigo": "ABCD2345"}, 422, "numero", id="numero-long"),
        pytest.param({"numero": "2026-000001\x00", "codigo": "ABCD2345"}, 422, "numero", id="numero-nul"),
        pytest.param({"numero": "9" * 5_000, "codigo": "ABCD2345"}, 422, "numero", id="numero-5k"),
        pytest.param({"numero": "2026-000001", "codigo": "ABC"}, 422, "codigo", id="codigo-short"),
        pytest.param({"numero": "2026-000001", "codigo": "C" * 13}, 422, "codigo", id="codigo-long"),
        pytest.param({"numero": "2026-000001", "codigo": "AB-CD"}, 422, "codigo", id="codigo-symbols"),
        pytest.param({"numero": "2026-000001", "codigo": "ABCD\x00"}, 422, "codigo", id="codigo-nul"),
        pytest.param({"numero": "1999-999999", "codigo": "ABCD2345"}, 404, None, id="unknown-number"),
    ],
)
async def test_seguimiento_rejects_bad_query(
    api: httpx.AsyncClient, params: Json, status: int, field: str | None
) -> None:
    await rejected(api, "GET", "/api/v1/seguimiento", status=status, field=field, params=params)


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
