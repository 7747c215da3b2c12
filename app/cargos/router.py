"""The receipt (cargo de recepción) of a document, as a PDF."""

from __future__ import annotations

from fastapi import Response

from app.cargos.service import CargoService
from app.core.dependencies import IdPath, SessionDep
from app.core.errors import NotFound, Unauthorized, error_responses
from app.core.files import DOWNLOAD_HEADERS, content_disposition
from app.core.routing import PrefixRouter
from app.usuarios.dependencies import CurrentUser

router = PrefixRouter(prefix="/documentos", tags=["cargos"])
READ_ERRORS = error_responses(Unauthorized, NotFound)


@router.get(
    "/{documento_id}/cargo",
    response_class=Response,
    responses={**READ_ERRORS, 200: {"content": {"application/pdf": {}}, "description": "El cargo en PDF"}},
    operation_id="descargar_cargo",
    summary="Descargar el cargo de recepción",
    description="El cargo de recepción del documento en PDF, con el código QR de la consulta pública "
    "de seguimiento. Lo descarga quien puede ver el documento.",
)
async def cargo(documento_id: IdPath, session: SessionDep, usuario: CurrentUser) -> Response:
    """The receipt (cargo de recepción) with the QR code of the public tracking URL."""
    recibo = await CargoService(session).obtener(usuario, documento_id)
    return Response(
        recibo.pdf,
        media_type="application/pdf",
        headers={
            **DOWNLOAD_HEADERS,
            "Content-Disposition": content_disposition(recibo.nombre, "inline"),
        },
    )
