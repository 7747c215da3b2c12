"""The one error format: RFC 9457 problem details (`application/problem+json`).

Every error the API answers has the same body:

    {"type": "urn:mesa-partes:problema:not_found", "title": "No encontrado", "status": 404,
     "detail": "<what happened, in Spanish>", "code": "not_found", "instance": "/api/v1/...",
     "field": "area_id",                                  # the offending field, when there is one
     "errors": [{"field": "dni", "location": "body", "code": "string_pattern_mismatch",
                 "message": "<in Spanish>"}]}            # every field error of a 422

`code` is the stable, machine-readable name (English); `title` and `detail` are for people (Spanish).
Some errors add members of their own (`limite_bytes` on a 413, `estado_actual` on a 409...).

This module builds those bodies and makes the OpenAPI document say so for every operation; the
exception handlers that use it are in `app.core.errors`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, get_args

import orjson
from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field
from pydantic_core.core_schema import ErrorType
from starlette.responses import Response

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:mesa-partes:problema:"

TITLES: dict[int, str] = {
    400: "Solicitud incorrecta",
    401: "No autenticado",
    403: "Acceso denegado",
    404: "No encontrado",
    405: "Método no permitido",
    408: "Tiempo de espera agotado",
    409: "Conflicto",
    410: "Ya no está disponible",
    413: "Contenido demasiado grande",
    415: "Tipo de contenido no admitido",
    422: "Datos inválidos",
    429: "Demasiadas solicitudes",
    500: "Error interno",
    503: "Servicio no disponible",
}


# The descriptions are text for people reading the API document (Spanish); pydantic would take the
# docstring otherwise.
class FieldError(BaseModel):
    """One field error of a 422."""

    model_config = ConfigDict(
        json_schema_extra={"description": "Un error de un campo, en una respuesta 422."}
    )

    field: str = Field(description="El campo con el error (su ruta con puntos dentro de su ubicación).")
    location: str = Field(description="Dónde está el campo: body, query, path o header.")
    code: str = Field(description="Motivo estable, para programas (en inglés): `missing`, `string_too_long`…")
    message: str = Field(description="Qué está mal, en español.")


class Problem(BaseModel):
    """RFC 9457 problem details: the body of every error."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "description": "Detalle de un problema (RFC 9457): el cuerpo de toda respuesta de error."
        },
    )

    type: str = Field(description="URI que nombra el tipo de problema: `urn:mesa-partes:problema:<code>`.")
    title: str = Field(description="Resumen breve del estado HTTP, en español.")
    status: int = Field(description="El código de estado HTTP.")
    detail: str = Field(description="Qué ocurrió, en español.")
    code: str = Field(description="Código estable del error, para programas (en inglés).")
    instance: str | None = Field(default=None, description="La ruta de la solicitud.")
    field: str | None = Field(default=None, description="El campo con el error, cuando lo hay.")
    errors: list[FieldError] | None = Field(default=None, description="Cada error de campo (422).")


class ProblemResponse(Response):
    media_type = PROBLEM_MEDIA_TYPE

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def problem_body(
    status: int,
    code: str,
    detail: str,
    *,
    instance: str | None = None,
    field: str | None = None,
    errors: list[dict[str, str]] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": TYPE_PREFIX + code,
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "code": code,
    }
    if instance is not None:
        body["instance"] = instance
    if field is not None:
        body["field"] = field
    if errors is not None:
        body["errors"] = errors
    for key, value in (extra or {}).items():
        body.setdefault(key, value)
    return body


def problem_response(
    status: int, code: str, detail: str, *, headers: Mapping[str, str] | None = None, **members: Any
) -> ProblemResponse:
    return ProblemResponse(problem_body(status, code, detail, **members), status_code=status, headers=headers)


# ---- validation errors in Spanish ------------------------------------------------------------------

_MESSAGES: dict[str, str] = {
    "missing": "Es obligatorio.",
    "extra_forbidden": "No es un campo admitido.",
    "string_type": "Debe ser un texto.",
    "string_too_short": "Debe tener al menos {min_length} caracteres.",
    "string_too_long": "Debe tener como máximo {max_length} caracteres.",
    "string_pattern_mismatch": "No tiene el formato esperado.",
    "int_type": "Debe ser un número entero.",
    "int_parsing": "Debe ser un número entero.",
    "int_from_float": "Debe ser un número entero.",
    "float_type": "Debe ser un número.",
    "float_parsing": "Debe ser un número.",
    "decimal_parsing": "Debe ser un número.",
    "bool_type": "Debe ser true o false.",
    "bool_parsing": "Debe ser true o false.",
    "greater_than": "Debe ser mayor que {gt}.",
    "greater_than_equal": "Debe ser mayor o igual que {ge}.",
    "less_than": "Debe ser menor que {lt}.",
    "less_than_equal": "Debe ser menor o igual que {le}.",
    "enum": "Debe ser uno de: {expected}.",
    "literal_error": "Debe ser uno de: {expected}.",
    "date_type": "Debe ser una fecha AAAA-MM-DD.",
    "date_parsing": "Debe ser una fecha AAAA-MM-DD.",
    "date_from_datetime_parsing": "Debe ser una fecha AAAA-MM-DD.",
    "date_from_datetime_inexact": "Debe ser una fecha AAAA-MM-DD, sin hora.",
    "datetime_type": "Debe ser una fecha y hora ISO 8601.",
    "datetime_parsing": "Debe ser una fecha y hora ISO 8601.",
    "datetime_from_date_parsing": "Debe ser una fecha y hora ISO 8601.",
    "list_type": "Debe ser una lista.",
    "dict_type": "Debe ser un objeto.",
    "model_type": "Debe ser un objeto.",
    "model_attributes_type": "Debe ser un objeto.",
    "too_short": "Debe tener al menos {min_length} elementos.",
    "too_long": "Debe tener como máximo {max_length} elementos.",
    "json_invalid": "El cuerpo no es un JSON válido.",
    "json_type": "El cuerpo no es un JSON válido.",
    "url_parsing": "Debe ser una URL válida.",
    "url_scheme": "La URL debe usar http o https.",
    "url_type": "Debe ser una URL válida.",
    "uuid_parsing": "Debe ser un UUID.",
    "uuid_type": "Debe ser un UUID.",
    "string_unicode": "Debe ser un texto válido.",
    "int_parsing_size": "El número es demasiado grande.",
    "finite_number": "Debe ser un número finito.",
    "url_too_long": "La URL es demasiado larga.",
    "time_parsing": "Debe ser una hora HH:MM.",
    "time_type": "Debe ser una hora HH:MM.",
    "bytes_type": "Debe ser un texto.",
    "value_error": "Valor inválido: {error}",
    "assertion_error": "Valor inválido: {error}",
}
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
# pydantic's own error types: their `msg` is English, never shown. A type not in this set is one of
# ours (PydanticCustomError), whose message is already Spanish.
_PYDANTIC_TYPES = frozenset(get_args(ErrorType))
_GENERIC = "Valor inválido."
_EMAIL = "Debe ser un correo electrónico válido."


def _spanish(error: Mapping[str, Any]) -> str:
    template = _MESSAGES.get(str(error.get("type")))
    context = error.get("ctx") or {}
    fallback = _GENERIC if error.get("type") in _PYDANTIC_TYPES else str(error.get("msg") or _GENERIC)
    if template is None:
        return fallback
    if error.get("type") == "value_error" and isinstance(context.get("error"), ValueError):
        return str(context["error"])  # our own validators raise ValueError with a Spanish message
    if error.get("type") == "value_error" and "reason" in context:
        return _EMAIL  # pydantic's EmailStr, the one validator that reports a `reason`
    names = _PLACEHOLDER.findall(template)
    if any(name not in context for name in names):
        return fallback
    return template.format(**{name: context[name] for name in names})


def field_errors(errors: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    """pydantic/FastAPI validation errors as the problem's `errors` (never echoing the input)."""
    result = []
    for error in errors:
        loc = [str(part) for part in (error.get("loc") or ())]
        location = loc[0] if loc else "body"
        field = ".".join(loc[1:]) or location
        code = str(error.get("type"))
        result.append({"field": field, "location": location, "code": code, "message": _spanish(error)})
    return result


def validation_detail(errors: list[dict[str, str]]) -> str:
    fields = ", ".join(dict.fromkeys(error["field"] for error in errors))
    return f"La solicitud tiene datos inválidos: {fields}." if fields else "Datos inválidos."


# ---- the OpenAPI document --------------------------------------------------------------------------

_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_PROBLEM_CONTENT = {PROBLEM_MEDIA_TYPE: {"schema": _PROBLEM_REF}}
_WRITE_METHODS = frozenset({"post", "put", "patch", "delete"})


def declare_problems(
    openapi: dict[str, Any], *, database_free: Callable[[str], bool], body_statuses: Iterable[int] = ()
) -> dict[str, Any]:
    """Declare, on every operation, the error statuses it can answer, each with the Problem schema:
    401 where a token is required, 422 where there is input to validate, 429 on authenticated writes
    (throttled per user), 500 everywhere, 503 wherever the database is used (every path for which
    `database_free` is false), `body_statuses` (e.g. 408 for a stalled body) where a body is read;
    statuses a route declared itself keep their description and get the Problem content."""
    schemas = openapi.setdefault("components", {}).setdefault("schemas", {})
    schemas["FieldError"] = FieldError.model_json_schema()
    problem_schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    problem_schema.pop("$defs", None)
    schemas["Problem"] = problem_schema
    for path, operations in openapi.get("paths", {}).items():
        for method, operation in operations.items():
            responses: dict[str, Any] = operation.setdefault("responses", {})
            wanted = {500}
            if not database_free(path):
                wanted.add(503)
            if operation.get("security"):
                wanted.add(401)
                if method in _WRITE_METHODS:
                    wanted.add(429)
            if operation.get("parameters") or operation.get("requestBody"):
                wanted.add(422)
            if operation.get("requestBody"):
                wanted.update(body_statuses)
            for number in wanted:
                responses.setdefault(str(number), {})
            for key, response in responses.items():
                if not key.isdigit() or int(key) < 400:
                    continue
                own = response.get("content", {}).get("application/json", {}).get("schema")
                if own and own.get("$ref") != "#/components/schemas/HTTPValidationError":
                    continue  # a status with a body of its own (e.g. /readyz's 503 Readiness)
                response["description"] = TITLES.get(int(key), response.get("description", "Error"))
                response["content"] = _PROBLEM_CONTENT
            operation["responses"] = dict(sorted(responses.items()))
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    return openapi


def _default_title(name: str) -> str:
    """The title pydantic generates from a field's name: "page_size" → "Page Size"."""
    return name.title().replace("_", " ").strip()


def field_names_as_titles(openapi: dict[str, Any]) -> dict[str, Any]:
    """Title every property and parameter with its own name ("page_size") instead of the English-
    looking one generated from it ("Page Size"); titles given on purpose stay."""
    for schema in openapi.get("components", {}).get("schemas", {}).values():
        for name, prop in schema.get("properties", {}).items():
            if prop.get("title") == _default_title(name):
                prop["title"] = name
    for operations in openapi.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                if schema.get("title") == _default_title(parameter.get("name", "")):
                    schema["title"] = parameter["name"]
    return openapi


def install_problem_openapi(
    app: FastAPI, *, database_free: Callable[[str], bool], body_statuses: Iterable[int] = ()
) -> None:
    """Make `app.openapi()` declare the problem responses (`declare_problems`), with the fields'
    names as their titles (`field_names_as_titles`), once."""
    generate = app.openapi
    statuses = tuple(body_statuses)

    def openapi() -> dict[str, Any]:
        if getattr(app.state, "problems_declared", False) and app.openapi_schema is not None:
            return app.openapi_schema
        app.openapi_schema = field_names_as_titles(
            declare_problems(generate(), database_free=database_free, body_statuses=statuses)
        )
        app.state.problems_declared = True
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
