"""Staff accounts (admin only)."""

from __future__ import annotations

from fastapi import status

from app.core.dependencies import IdPath, SessionDep
from app.core.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized, error_responses
from app.core.routing import PrefixRouter
from app.usuarios.dependencies import AdminUser
from app.usuarios.schemas import Usuario, UsuarioCreate, UsuarioUpdate
from app.usuarios.service import UsuarioService

router = PrefixRouter(prefix="/usuarios", tags=["usuarios"])
WRITE_ERRORS = error_responses(Unauthorized, Forbidden, NotFound, Conflict, InvalidInput)


@router.get(
    "",
    response_model=list[Usuario],
    responses=error_responses(Unauthorized, Forbidden),
    operation_id="listar_usuarios",
    summary="Listar usuarios",
    description="Todas las cuentas del personal. Solo administradores.",
)
async def listar_usuarios(session: SessionDep, admin: AdminUser) -> list[Usuario]:
    return [Usuario.model_validate(u) for u in await UsuarioService(session).listar()]


@router.post(
    "",
    response_model=Usuario,
    status_code=status.HTTP_201_CREATED,
    responses=WRITE_ERRORS,
    operation_id="crear_usuario",
    summary="Crear un usuario",
    description="Crea una cuenta del personal con su rol y su área. Solo administradores; un nombre de "
    "usuario o un correo repetido responde 409.",
)
async def crear_usuario(data: UsuarioCreate, session: SessionDep, admin: AdminUser) -> Usuario:
    return Usuario.model_validate(await UsuarioService(session).crear(data))


@router.get(
    "/{usuario_id}",
    response_model=Usuario,
    responses=error_responses(Unauthorized, Forbidden, NotFound),
    operation_id="obtener_usuario",
    summary="Ver un usuario",
    description="Los datos de una cuenta del personal. Solo administradores.",
)
async def obtener_usuario(usuario_id: IdPath, session: SessionDep, admin: AdminUser) -> Usuario:
    return Usuario.model_validate(await UsuarioService(session).obtener(usuario_id))


@router.patch(
    "/{usuario_id}",
    response_model=Usuario,
    responses=WRITE_ERRORS,
    operation_id="actualizar_usuario",
    summary="Modificar un usuario",
    description="Cambia los campos enviados; los omitidos no cambian. Una nueva contraseña, rol o área, o "
    "la desactivación, invalida los tokens emitidos antes. Solo administradores.",
)
async def actualizar_usuario(
    usuario_id: IdPath, data: UsuarioUpdate, session: SessionDep, admin: AdminUser
) -> Usuario:
    return Usuario.model_validate(await UsuarioService(session).actualizar(usuario_id, data))
