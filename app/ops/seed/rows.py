"""Rows as the loader COPYs them: tuples in the column order of each loaded table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeAlias

Row: TypeAlias = Sequence[Any]
# A timestamp as the COPY connection encodes it: a datetime, or microseconds since 2000-01-01 UTC.
EncodedTimestamp: TypeAlias = Any

# Column order of the generated rows, as COPY takes them.
REMITENTES_COLUMNS = (
    "id", "tipo_persona", "tipo_documento_identidad", "numero_documento_identidad", "nombre", "email",
    "telefono", "direccion", "pais_codigo", "created_at", "updated_at",
)  # fmt: skip
DOCUMENTOS_COLUMNS = (
    "id", "numero_expediente", "codigo_verificacion", "tipo_documento_id", "numero_documento", "asunto",
    "folios", "remitente_id", "procedimiento_id", "canal", "prioridad", "estado", "area_actual_id",
    "registrado_por_id", "fecha_recepcion", "fecha_limite", "fecha_atencion", "observacion", "version",
    "created_at", "updated_at",
)  # fmt: skip
DERIVACIONES_COLUMNS = (
    "id", "documento_id", "area_origen_id", "area_destino_id", "enviado_por_id", "recibido_por_id",
    "indicacion_id", "prioridad", "proveido", "estado", "es_copia", "fecha_envio", "fecha_recepcion",
    "fecha_atencion", "plazo_dias", "fecha_limite", "created_at", "updated_at",
)  # fmt: skip
ANEXOS_COLUMNS = (
    "id", "documento_id", "nombre_archivo", "content_type", "tamano_bytes", "sha256", "ruta", "paginas",
    "estado_procesamiento", "subido_por_id", "created_at", "updated_at",
)  # fmt: skip
HISTORIAL_COLUMNS = (
    "id", "documento_id", "evento", "usuario_id", "area_id", "estado_anterior", "estado_nuevo", "detalle",
    "created_at",
)  # fmt: skip
