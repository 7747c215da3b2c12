"""Public tracking: the link printed on the receipt, and the JSON answer of GET /api/v1/seguimiento
(read with the page's own query, `consulta.consultar`, without the history: one statement)."""

from __future__ import annotations

from urllib.parse import urlencode

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings, get_settings
from app.core.responses import to_json
from app.seguimiento.consulta import consultar

PAGINA = "/seguimiento"


def url_seguimiento(
    numero_expediente: str, codigo_verificacion: str, settings: Settings | None = None
) -> str:
    """The public tracking URL of a document (GET /seguimiento), printed and QR-coded on the
    receipt and sent in the registration email."""
    settings = settings or get_settings()
    return f"{settings.public_base_url.rstrip('/')}{ruta_pagina(numero_expediente, codigo_verificacion)}"


def ruta_pagina(numero_expediente: str, codigo_verificacion: str, raiz: str = "") -> str:
    """The page's path with its query, under `raiz` (the root path, without a trailing "/")."""
    query = urlencode({"numero": numero_expediente, "codigo": codigo_verificacion})
    return f"{raiz}{PAGINA}?{query}"


async def seguimiento(session: AsyncSession, numero_expediente: str, codigo_verificacion: str) -> bytes:
    """What a citizen sees (`schemas.SeguimientoPublico`) as its JSON body; the same 404 for an
    unknown number and a wrong code."""
    e = await consultar(session, numero_expediente, codigo_verificacion, con_eventos=False)
    return to_json(
        {
            "numero_expediente": e.numero_expediente,
            "tipo_documento": e.tipo_documento,
            "asunto": e.asunto,
            "estado": e.estado,
            "area_actual": e.area_actual,
            "fecha_recepcion": e.fecha_recepcion,
            "fecha_limite": e.fecha_limite,
            "fecha_atencion": e.fecha_atencion,
            "derivaciones": [
                {
                    "area_destino": r.area_destino,
                    "estado": r.estado,
                    "es_copia": r.es_copia,
                    "fecha_envio": r.fecha_envio,
                    "fecha_recepcion": r.fecha_recepcion,
                }
                for r in e.rutas
            ],
        }
    )
