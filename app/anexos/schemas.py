"""Attachments: their metadata and processing state, and the answer to an upload."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from app.anexos.models import EstadoProcesamiento
from app.core.schemas import ReadSchema


class AnexoDetalle(ReadSchema):
    id: int
    documento_id: int
    nombre_archivo: str = Field(description="The client's file name, for display only.")
    content_type: str | None = Field(description="Sniffed from the bytes, never taken from the client.")
    tamano_bytes: int
    sha256: str | None = Field(description="Set once processed.")
    paginas: int | None = Field(description="Pages of a PDF; 1 for an image; none for office files.")
    estado_procesamiento: EstadoProcesamiento
    error: str | None = Field(description="Why processing failed (estado fallido).")
    subido_por_id: int | None
    duplicado_de: int | None = Field(
        default=None, description="An earlier attachment of the same document with identical bytes."
    )
    created_at: datetime
    updated_at: datetime


class AnexoAceptado(AnexoDetalle):
    """202: stored and queued; poll the attachment for the outcome of its processing."""

    task_id: str
