"""Bodies already serialized to JSON, sent as they are."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Response


def to_json(value: Any) -> bytes:
    """`value` (dicts, lists, str, numbers, enums, dates) as JSON written the way pydantic writes
    it: UTC instants end in "Z", dates are ISO 8601, non-ASCII text is written as UTF-8."""
    return orjson.dumps(value, option=orjson.OPT_UTC_Z)


def json_response(body: bytes, *, status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    """`body` (JSON that the route's `response_model` documents) without FastAPI validating and
    re-serializing it: the hot read paths build it straight from rows (app/documentos/lectura.py)."""
    return Response(body, status_code=status_code, media_type="application/json", headers=headers)
