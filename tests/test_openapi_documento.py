"""The API document people read (/openapi.json, shown by /docs and /redoc): Spanish tags with
descriptions in the order of the desk's work, a Spanish summary and description on every operation,
and explicit, stable operationIds."""

from __future__ import annotations

import re
from typing import Any

from fastapi.routing import APIRoute, iter_route_contexts

from app.main import app
from app.router import OPENAPI_TAGS

# The desk's order: what a clerk does first comes first; operation last.
ORDEN_DE_TAGS = [
    "autenticación",
    "documentos",
    "anexos",
    "derivaciones",
    "seguimiento",
    "cargos",
    "catálogos",
    "remitentes",
    "reportes",
    "estadísticas",
    "integraciones",
    "auditoría",
    "usuarios",
    "operación",
]
# An operationId is snake_case Spanish and starts with one of these verbs.
VERBOS = {
    "actualizar", "anular", "archivar", "atender", "auditar", "buscar", "consultar", "crear",
    "derivar", "descargar", "enviar", "explicar", "exportar", "informar", "iniciar", "invalidar",
    "listar", "obtener", "observar", "procesar", "recibir", "registrar", "solicitar", "sondear", "subir",
}  # fmt: skip
# Words that give away English text for people (none is a Spanish word).
INGLES = re.compile(
    r"\b(the|and|with|when|only|every|from|this|that|returns?|which|until|while|file|sender|"
    r"document|report|user|area)\b",
    re.IGNORECASE,
)
METHODS = {"get", "post", "patch", "put", "delete"}


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in app.openapi()["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def test_the_tags_are_spanish_described_and_in_the_desk_s_order() -> None:
    document = app.openapi()
    declared = [tag["name"] for tag in document["tags"]]
    assert declared == ORDEN_DE_TAGS
    assert declared == [tag["name"] for tag in OPENAPI_TAGS]
    for tag in document["tags"]:
        assert len(tag["description"]) > 30 and not INGLES.search(tag["description"]), tag
    used: set[str] = set()
    for method, path, operation in operations():
        tags = operation["tags"]
        assert len(tags) == 1 and tags[0] in declared, (method, path, tags)
        used.add(operation["tags"][0])
    assert used == set(declared), set(declared) - used  # no tag without an operation
    assert "operations" not in used and "auth" not in used


def test_every_operation_has_a_spanish_summary_and_description() -> None:
    document = app.openapi()
    assert not INGLES.search(document["info"]["description"])
    assert "mesa de partes" in document["info"]["description"]
    for method, path, operation in operations():
        label = f"{method} {path}"
        summary, description = operation.get("summary", ""), operation.get("description", "")
        # FastAPI's default summary is the function's name, title-cased: "Listar Paises".
        generated = operation["operationId"].replace("_", " ").title()
        assert summary and summary != generated and summary[0].isupper(), (label, summary)
        assert len(description) >= 30, (label, description)
        for text in (summary, description):
            assert not INGLES.search(text), (label, INGLES.search(text), text)
        for parameter in operation.get("parameters", []):
            text = parameter.get("description", "")
            assert not INGLES.search(text), (label, parameter["name"], text)
        for status, answer in operation["responses"].items():
            # FastAPI's defaults: "Successful Response", "Validation Error", the HTTP reason phrase.
            text = answer["description"]
            defaults = ("Successful Response", "Validation Error", "Service Unavailable")
            assert text not in defaults, (label, status)
            assert not INGLES.search(text), (label, status, text)
    # Accents where the words carry them (a sample that would catch unaccented text).
    summaries = {operation["operationId"]: operation["summary"] for _, _, operation in operations()}
    assert summaries["listar_paises"] == "Listar países"
    assert summaries["crear_area"] == "Crear un área"
    assert summaries["registrar_documento"] == "Registrar un documento"
    assert summaries["iniciar_sesion"] == "Iniciar sesión"


def test_request_and_response_field_descriptions_are_spanish() -> None:
    """The descriptions of the schemas and their fields (request bodies, answers and the error body,
    Problem and FieldError) are text for people too; a field's title is its name as it is (not the
    English-looking "Page Size" generated from it)."""
    english: list[tuple[str, str, str]] = []
    schemas = app.openapi()["components"]["schemas"]
    for name in ("Problem", "FieldError"):
        assert schemas[name]["description"] and not INGLES.search(schemas[name]["description"]), name
        for field, definition in schemas[name]["properties"].items():
            assert definition.get("description"), (name, field)
    assert schemas["Problem"]["properties"]["detail"]["description"] == "Qué ocurrió, en español."
    for name, schema in schemas.items():
        for field, definition in schema.get("properties", {}).items():
            assert definition.get("title", field) == field, (name, field, definition["title"])
        if INGLES.search(schema.get("description", "")):
            english.append((name, "", schema["description"]))
        for field, definition in schema.get("properties", {}).items():
            text = definition.get("description", "")
            if INGLES.search(text):
                english.append((name, field, text))
    assert not english, english
    for method, path, operation in operations():
        for parameter in operation.get("parameters", []):
            title = parameter["schema"].get("title", parameter["name"])
            assert title == parameter["name"], (method, path, parameter["name"], title)


def test_operation_ids_are_explicit_unique_and_spanish_verbs() -> None:
    routes = [
        context.original_route
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute) and context.original_route.include_in_schema
    ]
    implicit = [route.path for route in routes if route.operation_id is None]
    assert not implicit, f"routes without an explicit operation_id: {implicit}"
    ids = [operation["operationId"] for _, _, operation in operations()]
    assert len(ids) == len(routes) and len(ids) >= 69
    assert len(set(ids)) == len(ids), sorted(i for i in ids if ids.count(i) > 1)
    for operation_id in ids:
        assert re.fullmatch(r"[a-z]+(_[a-z]+)*", operation_id), operation_id
        assert operation_id.split("_")[0] in VERBOS, operation_id
        # FastAPI's generated ids end with the path and the method: listar_paises_api_v1_..._get.
        assert "api_v1" not in operation_id and not re.search(r"_(get|post|patch)$", operation_id)
    assert {"registrar_documento", "derivar_documento", "listar_paises", "crear_area", "sondear_vida"} <= set(
        ids
    )
