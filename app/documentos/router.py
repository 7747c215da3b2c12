"""Documents: register, list, detail, update, the routing workflow and the history."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal

from fastapi import Header, Query, Response, status
from pydantic import BaseModel

from app.core.dependencies import IdPath, SessionDep
from app.core.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized, error_responses
from app.core.responses import json_response
from app.core.routing import PrefixRouter
from app.core.schemas import TEXT_PATTERN, BooleanoConsulta, Fecha, Page
from app.documentos.filtros import FiltrosDocumento
from app.documentos.models import Canal, EstadoDocumento, Prioridad
from app.documentos.registro import RegistroService
from app.documentos.schemas import (
    AccionRequest,
    DerivarRequest,
    Documento,
    DocumentoCreate,
    DocumentoListItem,
    DocumentoUpdate,
    HistorialItem,
    MotivoRequest,
)
from app.documentos.service import DocumentoService
from app.documentos.workflow import WorkflowService
from app.usuarios.dependencies import CurrentUser
from app.usuarios.principal import Principal

router = PrefixRouter(prefix="/documentos", tags=["documentos"])
WRITE_ERRORS = error_responses(Unauthorized, Forbidden, NotFound, Conflict, InvalidInput)
MaxId = 2**63 - 1


@router.get("", response_model=Page[DocumentoListItem], responses=error_responses(Unauthorized, InvalidInput))
async def listar_documentos(
    session: SessionDep,
    usuario: CurrentUser,
    estado: Annotated[list[EstadoDocumento] | None, Query()] = None,
    area_id: Annotated[int | None, Query(ge=1, le=MaxId)] = None,
    tipo_documento_id: Annotated[int | None, Query(ge=1, le=MaxId)] = None,
    remitente_id: Annotated[int | None, Query(ge=1, le=MaxId)] = None,
    fecha_desde: Fecha | None = None,
    fecha_hasta: Fecha | None = None,
    vencidos: BooleanoConsulta | None = None,
    q: Annotated[
        str | None, Query(min_length=2, max_length=200, pattern=TEXT_PATTERN, description="full-text search")
    ] = None,
    procedimiento_id: Annotated[int | None, Query(ge=1, le=MaxId)] = None,
    registrado_por_id: Annotated[int | None, Query(ge=1, le=MaxId)] = None,
    canal: Canal | None = None,
    prioridad: Annotated[list[Prioridad] | None, Query()] = None,
    numero_documento: Annotated[
        str | None,
        Query(
            min_length=3,
            max_length=100,
            pattern=TEXT_PATTERN,
            description="fragment of the sender's reference",
        ),
    ] = None,
    sort: Literal["-fecha_recepcion", "fecha_recepcion"] = "-fecha_recepcion",
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
    page: Annotated[int | None, Query(ge=1, le=10_000)] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """Newest first by default. Use `cursor` (keyset) to walk far; `page` for the first pages."""
    filtros = FiltrosDocumento(
        estado=estado,
        area_id=area_id,
        tipo_documento_id=tipo_documento_id,
        remitente_id=remitente_id,
        fecha_desde=fecha_desde,
        fecha_hasta=fecha_hasta,
        vencidos=vencidos,
        q=q,
        procedimiento_id=procedimiento_id,
        registrado_por_id=registrado_por_id,
        canal=canal,
        prioridad=prioridad,
        numero_documento=numero_documento,
    )
    service, ascendente = DocumentoService(session), sort == "fecha_recepcion"
    leer = service.listar if q is None else service.buscar
    return json_response(
        await leer(usuario, filtros, page_size=page_size, cursor=cursor, page=page, ascendente=ascendente)
    )


@router.post("", response_model=Documento, status_code=status.HTTP_201_CREATED, responses=WRITE_ERRORS)
async def registrar_documento(
    data: DocumentoCreate,
    session: SessionDep,
    usuario: CurrentUser,
    idempotency_key: Annotated[
        str | None, Header(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_\-:.]+$")
    ] = None,
) -> Response:
    """Register an incoming document. A repeated `Idempotency-Key` returns the first result."""
    body, creado = await RegistroService(session).registrar(usuario, data, idempotency_key)
    if not creado:
        return json_response(body, headers={"Idempotent-Replayed": "true"})
    return json_response(body, status_code=status.HTTP_201_CREATED)


@router.get("/{documento_id}", response_model=Documento, responses=error_responses(Unauthorized, NotFound))
async def obtener_documento(documento_id: IdPath, session: SessionDep, usuario: CurrentUser) -> Response:
    return json_response(await DocumentoService(session).detalle(usuario, documento_id))


@router.patch("/{documento_id}", response_model=Documento, responses=WRITE_ERRORS)
async def actualizar_documento(
    documento_id: IdPath, data: DocumentoUpdate, session: SessionDep, usuario: CurrentUser
) -> Response:
    return json_response(await WorkflowService(session).actualizar(usuario, documento_id, data))


# The workflow actions share one shape: POST a body with the version read, get the new detail.
Accion = Callable[[WorkflowService, Principal, int, Any], Awaitable[bytes]]


def _accion(nombre: str, body: type[BaseModel], accion: Accion, descripcion: str) -> None:
    async def endpoint(
        documento_id: IdPath, data: BaseModel, session: SessionDep, usuario: CurrentUser
    ) -> Response:
        return json_response(await accion(WorkflowService(session), usuario, documento_id, data))

    endpoint.__annotations__["data"] = body  # FastAPI reads the body schema from the annotation
    router.add_api_route(
        f"/{{documento_id}}/{nombre}",
        endpoint,
        methods=["POST"],
        response_model=Documento,
        responses=WRITE_ERRORS,
        name=f"{nombre}_documento",
        description=descripcion,
    )


_accion(
    "derivar",
    DerivarRequest,
    WorkflowService.derivar,
    "Route to one main area and, optionally, others as copies.",
)
_accion("recibir", AccionRequest, WorkflowService.recibir, "The main area acknowledges the document.")
_accion("procesar", AccionRequest, WorkflowService.procesar, "The area starts working on it.")
_accion("atender", AccionRequest, WorkflowService.atender, "The area resolves it.")
_accion(
    "archivar", AccionRequest, WorkflowService.archivar, "Close and file it; every open routing is closed."
)
_accion(
    "observar", MotivoRequest, WorkflowService.observar, "Return the document to the sender for correction."
)
_accion("anular", MotivoRequest, WorkflowService.anular, "Annul a document registered by mistake.")


@router.get(
    "/{documento_id}/historial",
    response_model=list[HistorialItem],
    responses=error_responses(Unauthorized, NotFound),
)
async def historial_documento(
    documento_id: IdPath, session: SessionDep, usuario: CurrentUser
) -> list[HistorialItem]:
    eventos = await DocumentoService(session).historial(usuario, documento_id)
    return [HistorialItem.model_validate(evento) for evento in eventos]
