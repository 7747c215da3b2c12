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


@router.get("", response_model=list[Usuario], responses=error_responses(Unauthorized, Forbidden))
async def listar_usuarios(session: SessionDep, admin: AdminUser) -> list[Usuario]:
    return [Usuario.model_validate(u) for u in await UsuarioService(session).listar()]


@router.post("", response_model=Usuario, status_code=status.HTTP_201_CREATED, responses=WRITE_ERRORS)
async def crear_usuario(data: UsuarioCreate, session: SessionDep, admin: AdminUser) -> Usuario:
    return Usuario.model_validate(await UsuarioService(session).crear(data))


@router.get(
    "/{usuario_id}", response_model=Usuario, responses=error_responses(Unauthorized, Forbidden, NotFound)
)
async def obtener_usuario(usuario_id: IdPath, session: SessionDep, admin: AdminUser) -> Usuario:
    return Usuario.model_validate(await UsuarioService(session).obtener(usuario_id))


@router.patch("/{usuario_id}", response_model=Usuario, responses=WRITE_ERRORS)
async def actualizar_usuario(
    usuario_id: IdPath, data: UsuarioUpdate, session: SessionDep, admin: AdminUser
) -> Usuario:
    return Usuario.model_validate(await UsuarioService(session).actualizar(usuario_id, data))
