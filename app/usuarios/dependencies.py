"""Request dependencies: the authenticated principal, and the admin."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.core.dependencies import SessionDep
from app.core.errors import Forbidden, Unauthorized
from app.core.logging import bind
from app.core.security import decode_access_token
from app.usuarios.models import Rol
from app.usuarios.principal import Principal
from app.usuarios.service import UsuarioService

_bearer = HTTPBearer(auto_error=False)


async def get_current_user(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        raise Unauthorized("missing bearer token")
    claims = decode_access_token(credentials.credentials)
    cuenta = await UsuarioService(session).cuenta(claims[0]) if claims else None
    if claims is None or cuenta is None or not cuenta.activo or cuenta.sello != claims[1]:
        raise Unauthorized("invalid or expired token")
    bind(user_id=cuenta.id)  # every later line of the request says whose it is
    return cuenta.principal()


CurrentUser = Annotated[Principal, Depends(get_current_user)]


async def get_admin(usuario: CurrentUser) -> Principal:
    if usuario.rol is not Rol.ADMIN:
        raise Forbidden("this needs the admin role")
    return usuario


AdminUser = Annotated[Principal, Depends(get_admin)]
