"""The upload of an attachment, which owns its units of work: no database connection is held while
the body streams.

A client may send its body as slowly as it likes (up to BODY_READ_TIMEOUT_S between bytes,
app/core/body_timeout.py). Were the request's session open meanwhile, with the document read in its
transaction, every slow upload would keep a pooled connection "idle in transaction": a handful of
them would exhaust the pool and stop every other request. So, in this order:

1. the declared Content-Length is checked (413 costs nothing);
2. the document is checked in a unit of work of its own (404/403 before a byte of the body is read),
   which ends, returning its connection, before the body is read;
3. the body is spooled to a temporary file under the size limit, and its type sniffed and checked,
   with no session at all;
4. one short transaction checks the document again (it may have been routed meanwhile), renames the
   file into place, inserts the row and its audit event, and commits; the processing task is queued
   after the commit.

The route authenticates with `usuario_sin_conexion`, whose account read (on a cache miss) also ends
before the endpoint runs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.anexos.archivos import directorio_anexos
from app.anexos.service import CAMPO, AnexoService, Subida, tipo_aceptado
from app.core import uploads
from app.core.config import get_settings
from app.core.database import session_scope
from app.usuarios.dependencies import get_current_user
from app.usuarios.principal import Principal

_bearer = HTTPBearer(auto_error=False)


async def usuario_sin_conexion(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """`CurrentUser` without the request's session: the account is read (when not cached) in a unit
    of work that ends here, so the route holds no connection afterwards."""
    async with session_scope() as session:
        return await get_current_user(request=request, session=session, credentials=credentials)


UsuarioSinConexion = Annotated[Principal, Depends(usuario_sin_conexion)]


async def recibir(
    usuario: Principal,
    documento_id: int,
    *,
    content_type: str | None,
    content_length: str | None,
    body: AsyncIterator[bytes],
) -> Subida:
    """Receive, check and store one attachment of `documento_id` (module docstring); the row is
    committed when this returns."""
    limite = get_settings().anexo_max_bytes
    uploads.check_content_length(content_length, field_name=CAMPO, limit=limite)
    async with session_scope() as session:
        await AnexoService(session).para_anexar(usuario, documento_id)
    archivo = await uploads.receive_file(
        content_type, body, field_name=CAMPO, limit=limite, directory=directorio_anexos(documento_id)
    )
    try:
        tipo = await tipo_aceptado(archivo)
        async with session_scope() as session:
            service = AnexoService(session)
            documento = await service.para_anexar(usuario, documento_id)
            return await service.subir(usuario, documento, archivo, tipo)
    except BaseException:
        # Refused before it was put in place (in place, a rollback removes it: `subir`).
        archivo.temp_path.unlink(missing_ok=True)
        raise
