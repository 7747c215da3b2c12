"""Attachments of a document: upload, list, metadata, download."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Request, status
from fastapi.responses import FileResponse

from app.anexos import contenido, subida
from app.anexos.schemas import AnexoAceptado, AnexoDetalle
from app.anexos.service import CAMPO, AnexoService, duplicados
from app.core.dependencies import IdPath, SessionDep
from app.core.errors import Forbidden, InvalidInput, NotFound, PayloadTooLarge, Unauthorized, error_responses
from app.core.files import DOWNLOAD_HEADERS, content_disposition
from app.core.routing import PrefixRouter
from app.usuarios.dependencies import CurrentUser

router = PrefixRouter(prefix="/documentos", tags=["anexos"])
AnexoId = Annotated[int, Path(ge=1, le=2**63 - 1)]
READ_ERRORS = error_responses(Unauthorized, NotFound)

_UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": [CAMPO],
                    "additionalProperties": False,
                    "properties": {
                        CAMPO: {
                            "type": "string",
                            "format": "binary",
                            "description": "PDF, PNG, JPEG, DOCX o XLSX (se reconoce por su contenido), "
                            "hasta el tamaño máximo configurado (ANEXO_MAX_BYTES).",
                        }
                    },
                }
            }
        },
    }
}


@router.post(
    "/{documento_id}/anexos",
    response_model=AnexoAceptado,
    status_code=status.HTTP_202_ACCEPTED,
    responses=error_responses(Unauthorized, Forbidden, NotFound, PayloadTooLarge, InvalidInput),
    openapi_extra=_UPLOAD_BODY,
    operation_id="subir_anexo",
    summary="Subir un anexo",
    description="Adjunta un archivo (campo multipart `archivo`) a un documento de su área. Un archivo "
    "mayor que el máximo responde 413, y uno que deja de llegar, 408. El tipo se reconoce por el "
    "contenido. El archivo se procesa en segundo plano (huella SHA-256, páginas, alertas): consulte "
    "el anexo hasta que `estado_procesamiento` cambie.",
)
async def subir_anexo(
    documento_id: IdPath, request: Request, usuario: subida.UsuarioSinConexion
) -> AnexoAceptado:
    """Attach a file (multipart field `archivo`) to a document in your area. The body is read as a
    stream and refused with 413 past ANEXO_MAX_BYTES (408 when it stops arriving for
    BODY_READ_TIMEOUT_S); the type is sniffed from the bytes. Processing (sha256, pages, alerts) runs
    in the background: poll the attachment for `estado_procesamiento`."""
    # No session here: `subida.recibir` holds none while the body streams.
    recibida = await subida.recibir(
        usuario,
        documento_id,
        content_type=request.headers.get("content-type"),
        content_length=request.headers.get("content-length"),
        body=request.stream(),
    )
    detalle = AnexoDetalle.model_validate(recibida.anexo)
    return AnexoAceptado(**detalle.model_dump(exclude={"peligroso"}), task_id=recibida.task_id)


@router.get(
    "/{documento_id}/anexos",
    response_model=list[AnexoDetalle],
    responses=READ_ERRORS,
    operation_id="listar_anexos",
    summary="Listar los anexos de un documento",
    description="Cada anexo con su estado de procesamiento; `duplicado_de` señala un anexo anterior del "
    "mismo documento con el mismo contenido.",
)
async def listar_anexos(
    documento_id: IdPath, session: SessionDep, usuario: CurrentUser
) -> list[AnexoDetalle]:
    anexos = await AnexoService(session).listar(usuario, documento_id)
    repetidos = duplicados(anexos)
    return [
        AnexoDetalle.model_validate(anexo).model_copy(update={"duplicado_de": repetidos.get(anexo.id)})
        for anexo in anexos
    ]


@router.get(
    "/{documento_id}/anexos/{anexo_id}",
    response_model=AnexoDetalle,
    responses=READ_ERRORS,
    operation_id="obtener_anexo",
    summary="Ver un anexo",
    description="Los datos del anexo y su estado de procesamiento.",
)
async def obtener_anexo(
    documento_id: IdPath, anexo_id: AnexoId, session: SessionDep, usuario: CurrentUser
) -> AnexoDetalle:
    service = AnexoService(session)
    anexo = await service.obtener(usuario, documento_id, anexo_id)
    detalle = AnexoDetalle.model_validate(anexo)
    return detalle.model_copy(update={"duplicado_de": await service.duplicado_de(anexo)})


@router.get(
    "/{documento_id}/anexos/{anexo_id}/descarga",
    response_class=FileResponse,
    responses={
        **READ_ERRORS,
        **error_responses(Forbidden),
        200: {
            "description": "El archivo como descarga, con el tipo reconocido por su contenido; uno con "
            "`alertas`, como application/octet-stream"
        },
    },
    operation_id="descargar_anexo",
    summary="Descargar un anexo",
    description="El archivo, siempre como descarga (nunca para abrirlo en el navegador). Uno cuyo "
    "procesamiento falló solo lo descarga un administrador (403).",
)
async def descargar_anexo(
    documento_id: IdPath, anexo_id: AnexoId, session: SessionDep, usuario: CurrentUser
) -> FileResponse:
    """The file, always as a download (never inline). One whose processing failed: admins only (403)."""
    anexo, path = await AnexoService(session).para_descarga(usuario, documento_id, anexo_id)
    headers = {**DOWNLOAD_HEADERS, "Content-Disposition": content_disposition(anexo.nombre_archivo)}
    media_type = anexo.content_type or contenido.DESCONOCIDO
    if anexo.alertas:
        # Whatever opens it, it is not a browser rendering it as a document of this site.
        media_type = contenido.DESCONOCIDO
        headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return FileResponse(path, media_type=media_type, headers=headers)
