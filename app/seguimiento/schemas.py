"""What anyone holding the expediente number and verification code may see."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import ConfigDict

from app.core.schemas import ReadSchema
from app.derivaciones.models import EstadoDerivacion
from app.documentos.models import EstadoDocumento


class SeguimientoDerivacion(ReadSchema):
    area_destino: str
    estado: EstadoDerivacion
    es_copia: bool
    fecha_envio: datetime
    fecha_recepcion: datetime | None


class SeguimientoPublico(ReadSchema):
    """What a citizen sees: no personal data of the sender, no internal notes."""

    model_config = ConfigDict(
        json_schema_extra={
            "description": "Lo que ve un ciudadano: sin datos personales del remitente ni notas internas."
        }
    )

    numero_expediente: str
    tipo_documento: str
    asunto: str
    estado: EstadoDocumento
    area_actual: str
    fecha_recepcion: datetime
    fecha_limite: date | None
    fecha_atencion: datetime | None
    derivaciones: list[SeguimientoDerivacion]
