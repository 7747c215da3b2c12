"""Request dependencies: the unit of work and the authenticated user."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.database import get_session
from app.core.errors import Forbidden, Unauthorized
from app.core.security import decode_access_token
from app.models.mesa_partes import Usuario
from app.models.mesa_partes.enums import Rol
from app.services.mesa_partes.usuario_service import UsuarioService

# scope="function": the session commits before the response is sent, so a failed commit is an error
# response and never a success the client was already told about.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]

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
    return usuario


CurrentUser = Annotated[Usuario, Depends(get_current_user)]


async def get_admin(usuario: CurrentUser) -> Usuario:
    if usuario.rol is not Rol.ADMIN:
        raise Forbidden("this needs the admin role")
    return usuario


AdminUser = Annotated[Usuario, Depends(get_admin)]
IdPath = Annotated[int, Path(ge=1, le=2**63 - 1)]
