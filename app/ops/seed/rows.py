"""Rows as the loader COPYs them: tuples in the column order of each loaded table, and the kind of
each column, from which `copy_binary` compiles the table's encoder (checked against the database
before a load)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeAlias

Row: TypeAlias = Sequence[Any]
# A timestamp as the rows carry it: a binary COPY field made by `copy_binary.timestamp` (or NULL).
EncodedTimestamp: TypeAlias = bytes | None

REMITENTES = (
    ("id", "int8"), ("tipo_persona", "label"), ("tipo_documento_identidad", "label"),
    ("numero_documento_identidad", "text"), ("nombre", "text"), ("email", "text?"), ("telefono", "text?"),
    ("direccion", "text?"), ("pais_codigo", "label"), ("created_at", "timestamptz"),
    ("updated_at", "timestamptz"),
)  # fmt: skip
DOCUMENTOS = (
    ("id", "int8"), ("numero_expediente", "text"), ("codigo_verificacion", "text"),
    ("tipo_documento_id", "int8"), ("numero_documento", "text?"), ("asunto", "text"), ("folios", "int4"),
    ("remitente_id", "int8"), ("procedimiento_id", "int8?"), ("canal", "label"), ("prioridad", "label"),
    ("estado", "label"), ("area_actual_id", "int8"), ("registrado_por_id", "int8"),
    ("fecha_recepcion", "timestamptz"), ("fecha_limite", "date?"), ("fecha_atencion", "timestamptz?"),
    ("observacion", "label?"), ("version", "int4"), ("created_at", "timestamptz"),
    ("updated_at", "timestamptz"),
)  # fmt: skip
DERIVACIONES = (
    ("id", "int8"), ("documento_id", "int8"), ("area_origen_id", "int8"), ("area_destino_id", "int8"),
    ("enviado_por_id", "int8"), ("recibido_por_id", "int8?"), ("indicacion_id", "int8?"),
    ("prioridad", "label"), ("proveido", "label?"), ("estado", "label"), ("es_copia", "bool"),
    ("fecha_envio", "timestamptz"), ("fecha_recepcion", "timestamptz?"), ("fecha_atencion", "timestamptz?"),
    ("plazo_dias", "int4?"), ("fecha_limite", "date?"), ("created_at", "timestamptz"),
    ("updated_at", "timestamptz"),
)  # fmt: skip
ANEXOS = (
    ("id", "int8"), ("documento_id", "int8"), ("nombre_archivo", "label"), ("content_type", "label"),
    ("tamano_bytes", "int8"), ("sha256", "text"), ("ruta", "text"), ("paginas", "int4?"),
    ("estado_procesamiento", "label"), ("subido_por_id", "int8"), ("created_at", "timestamptz"),
    ("updated_at", "timestamptz"),
)  # fmt: skip
HISTORIAL = (
    ("id", "int8"), ("documento_id", "int8"), ("evento", "label"), ("usuario_id", "int8"),
    ("area_id", "int8"), ("estado_anterior", "label?"), ("estado_nuevo", "label"), ("detalle", "jsonb"),
    ("created_at", "timestamptz"),
)  # fmt: skip


def names(columns: Sequence[tuple[str, str]]) -> tuple[str, ...]:
    return tuple(name for name, _ in columns)
