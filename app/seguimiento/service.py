"""Public tracking: the link printed on the receipt, and what it shows."""

from __future__ import annotations

import hmac
from urllib.parse import urlencode

from sqlalchemy import String, bindparam, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.catalogos.models import Area, TipoDocumento
from app.core.config import Settings, get_settings
from app.core.database import Prepared, fetch_prepared
from app.core.errors import NotFound
from app.core.responses import to_json
from app.derivaciones.models import Derivacion
from app.documentos.models import Documento


def url_seguimiento(
    numero_expediente: str, codigo_verificacion: str, settings: Settings | None = None
) -> str:
    """The public tracking URL of a document (GET /seguimiento), printed and QR-coded on the
    receipt and sent in the registration email."""
    settings = settings or get_settings()
    query = urlencode({"numero": numero_expediente, "codigo": codigo_verificacion})
    return f"{settings.public_base_url.rstrip('/')}/seguimiento?{query}"


NO_ENCONTRADO = "No existe un documento con ese número y código de verificación."


def codigo_correcto(esperado: str | None, dado: str) -> bool:
    """Whether `dado` is the verification code `esperado` (None: no such document), in constant
    time and case-insensitively; an unknown number costs the same comparison as a wrong code."""
    esperado_o_nada = esperado if esperado is not None else "x" * len(dado)
    return hmac.compare_digest(esperado_o_nada.upper(), dado.upper()) and esperado is not None


_destino = aliased(Area)
# The document with its routings in one round trip: one row per routing (or one row without).
_SEGUIMIENTO = Prepared(
    select(
        Documento.codigo_verificacion,
        Documento.numero_expediente,
        TipoDocumento.nombre,
        Documento.asunto,
        type_coerce(Documento.estado, String),
        Area.nombre,
        Documento.fecha_recepcion,
        Documento.fecha_limite,
        Documento.fecha_atencion,
        Derivacion.id,
        _destino.nombre,
        type_coerce(Derivacion.estado, String),
        Derivacion.es_copia,
        Derivacion.fecha_envio,
        Derivacion.fecha_recepcion,
    )
    .select_from(Documento)
    .join(TipoDocumento, TipoDocumento.id == Documento.tipo_documento_id)
    .join(Area, Area.id == Documento.area_actual_id)
    .outerjoin(Derivacion, Derivacion.documento_id == Documento.id)
    .outerjoin(_destino, _destino.id == Derivacion.area_destino_id)
    .where(Documento.numero_expediente == bindparam("numero"))
    .order_by(Derivacion.id)
)


async def seguimiento(session: AsyncSession, numero_expediente: str, codigo_verificacion: str) -> bytes:
    """What a citizen sees (`schemas.SeguimientoPublico`) as its JSON body; the same 404 for an
    unknown number and a wrong code."""
    filas = await fetch_prepared(session, _SEGUIMIENTO, numero=numero_expediente)
    if not codigo_correcto(filas[0][0] if filas else None, codigo_verificacion):
        raise NotFound(NO_ENCONTRADO)
    d = filas[0]
    return to_json(
        {
            "numero_expediente": d[1],
            "tipo_documento": d[2],
            "asunto": d[3],
            "estado": d[4],
            "area_actual": d[5],
            "fecha_recepcion": d[6],
            "fecha_limite": d[7],
            "fecha_atencion": d[8],
            "derivaciones": [
                {
                    "area_destino": r[10],
                    "estado": r[11],
                    "es_copia": r[12],
                    "fecha_envio": r[13],
                    "fecha_recepcion": r[14],
                }
                for r in filas
                if r[9] is not None
            ],
        }
    )
