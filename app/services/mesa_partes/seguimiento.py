"""The public tracking link of a document."""

from __future__ import annotations

from urllib.parse import urlencode

from app.core.config import Settings, get_settings


def url_seguimiento(
    numero_expediente: str, codigo_verificacion: str, settings: Settings | None = None
) -> str:
    """The public tracking URL of a document (GET /seguimiento), printed and QR-coded on the
    receipt and sent in the registration email."""
    settings = settings or get_settings()
    query = urlencode({"numero": numero_expediente, "codigo": codigo_verificacion})
    return f"{settings.public_base_url.rstrip('/')}/api/v1/seguimiento?{query}"
