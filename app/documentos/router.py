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


@router.get(
    "",
    response_model=Page[DocumentoListItem],
    responses=error_responses(Unauthorized, InvalidInput),
    operation_id="listar_documentos",
    summary="Listar y buscar documentos",
    description="Los documentos que el usuario puede ver, del más reciente al más antiguo (`sort` invierte "
    "el orden), con filtros. `q` busca en el asunto, el número de expediente, la referencia y el "
    "remitente. Para recorrer muchas páginas use `cursor` (el `next_cursor` de la respuesta anterior); "
    "`page` sirve para las primeras.",
)
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
        str | None, Query(min_length=2, max_length=200, pattern=TEXT_PATTERN, description="Búsqueda de texto")
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
            description="Fragmento de la referencia del documento (p. ej. «CARTA N° 001»)",
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


@router.post(
    "",
    response_model=Documento,
    status_code=status.HTTP_201_CREATED,
    responses=WRITE_ERRORS,
    operation_id="registrar_documento",
    summary="Registrar un documento",
    description="Mesa de partes (o un administrador) registra un documento recibido: recibe su número de "
    "expediente y su código de verificación y queda en el área de quien lo registra (en Mesa de Partes "
    "si no tiene una). El remitente va "
    "como `remitente` (nuevo, o uno conocido con el mismo número de documento) o como `remitente_id`. "
    "Repetir la solicitud con la misma cabecera `Idempotency-Key` devuelve el primer resultado sin "
    "registrar otro documento.",
)
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


@router.get(
    "/{documento_id}",
    response_model=Documento,
    responses=error_responses(Unauthorized, NotFound),
    operation_id="obtener_documento",
    summary="Ver un documento",
    description="El detalle del documento con su remitente, sus derivaciones y sus anexos. Un documento "
    "que el usuario no puede ver responde 404.",
)
async def obtener_documento(documento_id: IdPath, session: SessionDep, usuario: CurrentUser) -> Response:
    return json_response(await DocumentoService(session).detalle(usuario, documento_id))


@router.patch(
    "/{documento_id}",
    response_model=Documento,
    responses=WRITE_ERRORS,
    operation_id="actualizar_documento",
    summary="Corregir un documento",
    description="Corrige los datos del registro (tipo, referencia, asunto, folios, prioridad, "
    "observación); los campos omitidos no cambian. Lleva la `version` leída.",
)
async def actualizar_documento(
    documento_id: IdPath, data: DocumentoUpdate, session: SessionDep, usuario: CurrentUser
) -> Response:
    return json_response(await WorkflowService(session).actualizar(usuario, documento_id, data))


# The workflow actions share one shape: POST a body with the version read, get the new detail.
Accion = Callable[[WorkflowService, Principal, int, Any], Awaitable[bytes]]


def _accion(nombre: str, body: type[BaseModel], accion: Accion, resumen: str, descripcion: str) -> None:
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
        operation_id=f"{nombre}_documento",
        summary=resumen,
        description=descripcion,
    )


# Summaries and descriptions: the API document's text, for people (Spanish).
_accion(
    "derivar",
    DerivarRequest,
    WorkflowService.derivar,
    "Derivar un documento",
    "Envía el documento a un área principal y, si se desea, a otras en copia, cada una con su "
    "indicación, proveído y plazo en días hábiles. Lleva la `version` leída.",
)
_accion(
    "recibir",
    AccionRequest,
    WorkflowService.recibir,
    "Recibir un documento",
    "El área principal de destino acusa recibo del documento derivado.",
)
_accion(
    "procesar",
    AccionRequest,
    WorkflowService.procesar,
    "Procesar un documento",
    "El área que lo recibió empieza a trabajarlo.",
)
_accion(
    "atender",
    AccionRequest,
    WorkflowService.atender,
    "Atender un documento",
    "El área da por resuelto el documento.",
)
_accion(
    "archivar",
    AccionRequest,
    WorkflowService.archivar,
    "Archivar un documento",
    "Cierra y archiva el documento; se cierran también todas sus derivaciones abiertas.",
)
_accion(
    "observar",
    MotivoRequest,
    WorkflowService.observar,
    "Observar un documento",
    "Devuelve el documento al remitente para que lo corrija, con el motivo.",
)
_accion(
    "anular",
    MotivoRequest,
    WorkflowService.anular,
    "Anular un documento",
    "Anula un documento registrado por error, con el motivo.",
)


@router.get(
    "/{documento_id}/historial",
    response_model=list[HistorialItem],
    responses=error_responses(Unauthorized, NotFound),
    operation_id="listar_historial_documento",
    summary="Ver el historial de un documento",
    description="Cada evento del documento (registro, derivaciones, recepciones, cambios de estado y de "
    "datos): cuándo, quién, en qué área y qué cambió.",
)
async def historial_documento(
    documento_id: IdPath, session: SessionDep, usuario: CurrentUser
) -> list[HistorialItem]:
    eventos = await DocumentoService(session).historial(usuario, documento_id)
    return [HistorialItem.model_validate(evento) for evento in eventos]
