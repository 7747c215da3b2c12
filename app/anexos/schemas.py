"""Attachments: their metadata and processing state, and the answer to an upload."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, computed_field, field_validator

from app.anexos.models import MOTIVOS, EstadoProcesamiento
from app.core.schemas import ReadSchema


class Alerta(BaseModel):
    codigo: str = Field(
        description="pdf_javascript, pdf_open_action, pdf_launch, pdf_additional_actions, "
        "pdf_embedded_file, pdf_scan_incomplete, trailing_data, embedded_zip, embedded_pdf, "
        "embedded_executable."
    )
    motivo: str = Field(description="The reason, for people.")


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
    alertas: list[Alerta] | None = Field(
        default=None,
        description="Why the file must not be opened inline, found by its processing (none: not "
        "processed, or processing failed). A flagged file is only served as a download.",
    )
    subido_por_id: int | None
    duplicado_de: int | None = Field(
        default=None, description="An earlier attachment of the same document with identical bytes."
    )
    created_at: datetime
    updated_at: datetime

    @field_validator("alertas", mode="before")
    @classmethod
    def _codigos(cls, value: Any) -> Any:
        """The row keeps codes; the API gives each with its reason."""
        if isinstance(value, list):
            return [
                {"codigo": c, "motivo": MOTIVOS.get(c, c)} if isinstance(c, str) else c for c in value
            ]
        return value

    @computed_field(  # type: ignore[prop-decorator]
        description="True when `alertas` holds any: the file is never served inline."
    )
    @property
    def peligroso(self) -> bool:
        return bool(self.alertas)


class AnexoAceptado(AnexoDetalle):
    """202: stored and queued; poll the attachment for the outcome of its processing."""

    task_id: str
