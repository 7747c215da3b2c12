"""Integrations: admin CRUD under /integraciones, and the deliveries of a document under
/documentos/{documento_id}/envios (full paths: this router has no prefix)."""

from __future__ import annotations

from fastapi import status

from app.core.dependencies import IdPath, SessionDep
from app.core.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized, error_responses
from app.core.routing import PrefixRouter
from app.integraciones.schemas import (
    VER_RESPUESTAS,
    Envio,
    EnvioCreate,
    EnvioSolicitado,
    Integracion,
    IntegracionCreate,
    IntegracionUpdate,
)
from app.integraciones.service import EnvioService, IntegracionService, ve_respuestas
from app.usuarios.dependencies import AdminUser, CurrentUser

router = PrefixRouter(tags=["integraciones"])
WRITE_ERRORS = error_responses(Unauthorized, Forbidden, NotFound, Conflict, InvalidInput)
READ_ERRORS = error_responses(Unauthorized, Forbidden, NotFound)


@router.get(
    "/integraciones",
    response_model=list[Integracion],
    responses=error_responses(Unauthorized, Forbidden),
    operation_id="listar_integraciones",
    summary="Listar integraciones",
    description="Para administradores, auditores y mesa de partes (que elige el destino de un envío). "
    "Nunca muestra el secreto, solo si hay uno (`secreto_configurado`).",
)
async def listar_integraciones(session: SessionDep, usuario: CurrentUser) -> list[Integracion]:
    """Admin, auditor and mesa de partes (who picks the target when sending); never the secret."""
    return [Integracion.model_validate(i) for i in await IntegracionService(session).listar(usuario)]


@router.post(
    "/integraciones",
    response_model=Integracion,
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(Unauthorized, Forbidden, Conflict, InvalidInput),
    operation_id="crear_integracion",
    summary="Crear una integración",
    description="Solo administradores. El `secreto` es la clave HMAC-SHA256 con que se firma cada envío; "
    "no se vuelve a mostrar.",
)
async def crear_integracion(data: IntegracionCreate, session: SessionDep, admin: AdminUser) -> Integracion:
    return Integracion.model_validate(await IntegracionService(session).crear(data))


@router.get(
    "/integraciones/{integracion_id}",
    response_model=Integracion,
    responses=READ_ERRORS,
    operation_id="obtener_integracion",
    summary="Ver una integración",
    description="Para administradores, auditores y mesa de partes; nunca muestra el secreto.",
)
async def obtener_integracion(
    integracion_id: IdPath, session: SessionDep, usuario: CurrentUser
) -> Integracion:
    return Integracion.model_validate(await IntegracionService(session).obtener(usuario, integracion_id))


@router.patch(
    "/integraciones/{integracion_id}",
    response_model=Integracion,
    responses=WRITE_ERRORS,
    operation_id="actualizar_integracion",
    summary="Modificar una integración",
    description="Solo administradores. Los campos omitidos no cambian; enviar `secreto` cambia la clave "
    "(los receptores deben usar la nueva).",
)
async def actualizar_integracion(
    integracion_id: IdPath, data: IntegracionUpdate, session: SessionDep, admin: AdminUser
) -> Integracion:
    return Integracion.model_validate(await IntegracionService(session).actualizar(integracion_id, data))


@router.post(
    "/documentos/{documento_id}/envios",
    response_model=EnvioSolicitado,
    status_code=status.HTTP_202_ACCEPTED,
    responses=WRITE_ERRORS,
    operation_id="enviar_documento",
    summary="Enviar un documento a una integración",
    description="El envío se hace en segundo plano (202), con reintentos. Administradores, o mesa de "
    "partes para un documento de su área. Repetir la solicitud mientras el envío está en curso devuelve "
    "el mismo envío con `task_id` nulo; un documento ya entregado responde 409 salvo con `reenviar: true`.",
)
async def enviar_documento(
    documento_id: IdPath, data: EnvioCreate, session: SessionDep, usuario: CurrentUser
) -> EnvioSolicitado:
    """Deliver the document to an integration in the background (admin, or mesa de partes for a
    document in its area). Repeating the request while the delivery is under way answers the same
    row with `task_id` null; a delivered document is 409 unless `reenviar` is true."""
    solicitud = await EnvioService(session).enviar(usuario, documento_id, data)
    return EnvioSolicitado(**dict(Envio.model_validate(solicitud.envio)), task_id=solicitud.task_id)


@router.get(
    "/documentos/{documento_id}/envios",
    response_model=list[Envio],
    responses=error_responses(Unauthorized, NotFound),
    operation_id="listar_envios_documento",
    summary="Listar los envíos de un documento",
    description="Cada envío del documento con sus intentos; los ve quien ve el documento. Lo que "
    "respondieron los receptores (`respuesta`) solo lo ven los administradores.",
)
async def envios_documento(documento_id: IdPath, session: SessionDep, usuario: CurrentUser) -> list[Envio]:
    """Every delivery of the document with its attempts; visible to whoever sees the document. What
    the receivers answered (`respuesta`) only to admins."""
    envios = await EnvioService(session).de_documento(usuario, documento_id)
    contexto = {VER_RESPUESTAS: ve_respuestas(usuario)}
    return [Envio.model_validate(e, context=contexto) for e in envios]
