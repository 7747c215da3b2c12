"""Helpers of the bad-input tests: `tests/test_bad_input.py` (the same kinds of garbage sent to every
write endpoint) and `tests/<domain>/test_bad_input.py` (each router's own validation).

Bad input gets a clear 4xx that names the field, never a 500, and a rejected request writes nothing.
422 is validation (a problem-details body whose `errors` name the fields, from the schema or the app's own
`InvalidInput`), 404 an
unknown id in the path, 409 a conflict, 401/403 auth. Every rejected write is checked against a
fingerprint (row count + content hash) of every table it could touch. The `new_doc` fixture (a document
just registered) is in `tests/conftest.py`.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.helpers import Headers, Json, Tokens, changed_tables, fingerprint

HUGE = 2**70
ONE_MB = "x" * 1_000_000
LONG_NAME = "n" * 100_000

# ---- helpers --------------------------------------------------------------------------------------


def _field_parts(error: dict[str, Any]) -> list[str]:
    """The field split on dots, without trailing list indexes ("estado.0" names estado)."""
    parts = str(error.get("field", "")).split(".")
    while len(parts) > 1 and parts[-1].isdigit():
        parts.pop()
    return parts


def names_field(response: httpx.Response, field: str) -> bool:
    """Whether the problem names `field`: a field error ending in it (or, for a model-level error
    whose field is the whole body, its message), or the problem's own `field`."""
    body = response.json()
    for error in body.get("errors") or []:
        parts = _field_parts(error)
        if parts and parts[-1] == field:
            return True
        if parts in (["body"], ["query"]) and field in str(error.get("message", "")):
            return True
    return body.get("field") == field or field in str(body.get("detail", ""))


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


# Dates at the edges of the calendar: valid for the schema, and they must never reach a 500.
EXTREME_DATES = [
    pytest.param({"fecha_hasta": "9999-12-31"}, id="hasta-9999-12-31"),
    pytest.param({"fecha_desde": "0001-01-01"}, id="desde-0001-01-01"),
    pytest.param({"fecha_desde": "0001-01-01", "fecha_hasta": "9999-12-31"}, id="whole-calendar"),
]


async def assert_extreme_dates_do_not_crash(
    api: httpx.AsyncClient, tokens: Tokens, path: str, params: Json
) -> None:
    response = await api.get(path, params=params, headers=tokens["admin"])
    assert response.status_code != 500, f"{path} {params} answered 500"
    assert response.status_code in (200, 422), response.text
    if response.status_code == 422:
        assert names_field(response, next(iter(params))), response.text
