"""Attachments: their metadata and processing state, and the answer to an upload."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, computed_field, field_validator

from app.anexos.models import MOTIVOS, EstadoProcesamiento
from app.core.schemas import ReadSchema


class Alerta(BaseModel):
    codigo: str = Field(
        description="Código de la alerta: pdf_javascript, pdf_open_action, pdf_launch, "
        "pdf_additional_actions, pdf_embedded_file, pdf_scan_incomplete, trailing_data, embedded_zip, "
        "embedded_pdf o embedded_executable."
    )
    motivo: str = Field(description="El motivo, para personas.")


class AnexoDetalle(ReadSchema):
    id: int
    documento_id: int
    nombre_archivo: str = Field(description="El nombre del archivo que dio el cliente; solo para mostrarlo.")
    content_type: str | None = Field(description="Reconocido por el contenido, nunca tomado del cliente.")
    tamano_bytes: int
    sha256: str | None = Field(description="Se conoce una vez procesado.")
    paginas: int | None = Field(description="Páginas de un PDF; 1 para una imagen; nulo para DOCX y XLSX.")
    estado_procesamiento: EstadoProcesamiento
    error: str | None = Field(description="Por qué falló el procesamiento (estado fallido).")
    alertas: list[Alerta] | None = Field(
        default=None,
        description="Por qué el archivo no debe abrirse en el navegador, según su procesamiento (nulo: "
        "sin procesar, o falló el procesamiento). Un archivo con alertas solo se entrega como descarga.",
    )
    subido_por_id: int | None
    duplicado_de: int | None = Field(
        default=None, description="Un anexo anterior del mismo documento con el mismo contenido."
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
        description="Verdadero si hay `alertas`: el archivo nunca se abre en el navegador."
    )
    @property
    def peligroso(self) -> bool:
        return bool(self.alertas)


class AnexoAceptado(AnexoDetalle):
    """202: stored and queued; poll the attachment for the outcome of its processing."""

    model_config = ConfigDict(
        json_schema_extra={
            "description": "Guardado y en cola: consulte el anexo para conocer el resultado de su "
            "procesamiento."
        }
    )

    task_id: str
