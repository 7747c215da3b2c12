"""Public tracking: the link printed on the receipt, and what it shows."""

from __future__ import annotations

import hmac
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from app.core.config import Settings, get_settings
from app.core.errors import NotFound
from app.derivaciones.models import Derivacion
from app.documentos.models import Documento


def url_seguimiento(
    numero_expediente: str, codigo_verificacion: str, settings: Settings | None = None
) -> str:
    """The public tracking URL of a document (GET /seguimiento), printed and QR-coded on the
    receipt and sent in the registration email."""
    settings = settings or get_settings()
    query = urlencode({"numero": numero_expediente, "codigo": codigo_verificacion})
    return f"{settings.public_base_url.rstrip('/')}/api/v1/seguimiento?{query}"


async def seguimiento(session: AsyncSession, numero_expediente: str, codigo_verificacion: str) -> Documento:
    """Public tracking: the same 404 for an unknown number and a wrong code."""
    query = (
        select(Documento)
        .where(Documento.numero_expediente == numero_expediente)
        .options(
            joinedload(Documento.tipo_documento),
            joinedload(Documento.area_actual),
            selectinload(Documento.derivaciones).joinedload(Derivacion.area_destino),
        )
    )
    documento = (await session.scalars(query)).first()
    expected = documento.codigo_verificacion if documento else "x" * len(codigo_verificacion)
    if documento is None or not hmac.compare_digest(expected.upper(), codigo_verificacion.upper()):
        raise NotFound("no document with that number and verification code")
    return documento
