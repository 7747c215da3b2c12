"""What anyone holding the expediente number and verification code may see."""

from __future__ import annotations

import re
from datetime import date, datetime

from pydantic import ConfigDict

from app.core.schemas import ReadSchema
from app.derivaciones.models import EstadoDerivacion
from app.documentos.models import EstadoDocumento

# The two values of a lookup as the receipt prints them, defined once: the JSON endpoint's query
# validation (router.py) and the page's form (vista.errores) both use these.
NUMERO_EXPEDIENTE = re.compile(r"[0-9]{4}-[0-9]{6,10}")
CODIGO_MIN, CODIGO_MAX = 4, 12
CODIGO_VERIFICACION = re.compile(rf"[A-Za-z0-9]{{{CODIGO_MIN},{CODIGO_MAX}}}")


def patron_completo(patron: re.Pattern[str]) -> str:
    """`patron` anchored at both ends, for a `Query(pattern=...)` (pydantic searches, not matches)."""
    return f"^{patron.pattern}$"


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
