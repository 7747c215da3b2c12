"""Bad input to the documentos router: POST /documentos (the document, the sender's identity number
and RUC check digit, the Idempotency-Key), PATCH /documentos/{id}, the workflow actions (recibir,
procesar, atender, archivar, observar, anular; derivar is in tests/derivaciones/test_bad_input.py) and
the query parameters of GET /documentos. Each is a 4xx that names the field, never a 500, and writes
nothing (helpers in tests/bad_input.py).
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.bad_input import (
    EXTREME_DATES,
    HUGE,
    LONG_NAME,
    ONE_MB,
    assert_extreme_dates_do_not_crash,
    names_field,
    rejected,
    rejected_on_doc,
)
from tests.conftest import World, documento_payload, nuevo_dni
from tests.helpers import Json, Tokens


def b64(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


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


# ---- PATCH /documentos/{id}: on a document just registered (`new_doc`, tests/conftest.py) ----------


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


# ---- the workflow actions (derivar: tests/derivaciones/test_bad_input.py) --------------------------


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
    assert response.json()["estado_actual"] == "registrado"


async def test_stale_version_is_409_and_writes_nothing(
    api: httpx.AsyncClient, tokens: Tokens, new_doc: Json
) -> None:
    body = {"version": new_doc["version"] + 1, "motivo": "Falta firma"}
    response = await rejected_on_doc(api, new_doc, "observar", tokens["mesa"], body, status=409)
    assert response.json()["version_actual"] == new_doc["version"]


# ---- GET /documentos query parameters --------------------------------------------------------------

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


@pytest.mark.parametrize("path", ["/api/v1/documentos"])
@pytest.mark.parametrize("params", EXTREME_DATES)
async def test_extreme_but_valid_dates_do_not_crash(
    api: httpx.AsyncClient, tokens: Tokens, path: str, params: Json
) -> None:
    await assert_extreme_dates_do_not_crash(api, tokens, path, params)
