"""Request dependencies: the authenticated user, and the admin."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.core.dependencies import SessionDep
from app.core.errors import Forbidden, Unauthorized
from app.core.logging import bind
from app.core.security import decode_access_token
from app.usuarios.models import Rol, Usuario
from app.usuarios.service import UsuarioService

_bearer = HTTPBearer(auto_error=False)


async def get_current_user(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Usuario:
    if credentials is None:
        raise Unauthorized("missing bearer token")
    usuario_id = decode_access_token(credentials.credentials)
    usuario = await UsuarioService(session).activo_por_id(usuario_id) if usuario_id else None
    if usuario is None:
        raise Unauthorized("invalid or expired token")
    bind(user_id=usuario.id)  # every later line of the request says whose it is
    return usuario


CurrentUser = Annotated[Usuario, Depends(get_current_user)]


async def get_admin(usuario: CurrentUser) -> Usuario:
    if usuario.rol is not Rol.ADMIN:
        raise Forbidden("this needs the admin role")
    return usuario


AdminUser = Annotated[Usuario, Depends(get_admin)]
