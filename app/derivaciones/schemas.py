"""A routing as shown in an area's tray, with the document it carries."""

from __future__ import annotations

from pydantic import ConfigDict

from app.core.schemas import ReadSchema
from app.documentos.models import EstadoDocumento, Prioridad
from app.documentos.schemas import Derivacion


class DocumentoRef(ReadSchema):
    id: int
    numero_expediente: str
    asunto: str
    estado: EstadoDocumento
    prioridad: Prioridad


class DerivacionListItem(Derivacion):
    """A row of an area's tray: the routing and the document it carries."""

    model_config = ConfigDict(
        json_schema_extra={"description": "Una fila de la bandeja de un área: la derivación y su documento."}
    )

    documento: DocumentoRef
