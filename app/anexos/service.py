"""Attachments (anexos): store an uploaded file, list, read and download them.

The upload (app.anexos.subida) receives the file (app.core.uploads) into a temporary file next to its
final place. Here its type is sniffed from the bytes and checked against the allow-list and against
what the client declared; then the file is renamed into place and its row inserted in the unit of
work. A rollback of that unit removes the file again.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.anexos import contenido
from app.anexos.archivos import borrar_si_se_deshace, directorio_anexos, ruta_absoluta
from app.anexos.models import Anexo, EstadoProcesamiento
from app.anexos.procesamiento import PROCESAR_ANEXO
from app.cargos import service as cargo_service
from app.core.config import get_settings
from app.core.errors import Forbidden, InvalidInput, NotFound
from app.core.files import publicar
from app.core.task_queue import enqueue_after_commit
from app.core.uploads import ReceivedFile
from app.documentos.acceso import filtro_visibilidad
from app.documentos.models import Documento, EventoHistorial
from app.documentos.workflow import WorkflowService
from app.usuarios.models import Rol
from app.usuarios.principal import Principal

logger = logging.getLogger("app.anexos")

CAMPO = "archivo"  # the multipart field that carries the file
_PERMITIDOS_TEXTO = ", ".join(contenido.NOMBRES[t] for t in sorted(contenido.PERMITIDOS, key=str))


@dataclass(frozen=True)
class Subida:
    anexo: Anexo
    task_id: str


class AnexoService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def para_anexar(self, usuario: Principal, documento_id: int) -> Documento:
        """The document a file is attached to: visible to the user (404) and in their area (403).
        Checked before the body is read, so a refused request stores nothing, not even for a while."""
        return await WorkflowService(self.session).para_anotar(usuario, documento_id)

    async def subir(
        self, usuario: Principal, documento: Documento, archivo: ReceivedFile, tipo: str | None = None
    ) -> Subida:
        """Store a file received for `documento` (from `para_anexar`), in its directory
        (`directorio_anexos`), and queue its processing; the temporary file is consumed either way.
        `tipo`: its type, already checked by `tipo_aceptado` (else checked here)."""
        try:
            tipo = tipo or await tipo_aceptado(archivo)
            destino = (
                directorio_anexos(documento.id) / f"{uuid.uuid4().hex}{contenido.EXTENSION_CANONICA[tipo]}"
            )
            borrar_si_se_deshace(self.session, destino)
            await asyncio.to_thread(publicar, archivo.temp_path, destino)
        except BaseException:
            archivo.temp_path.unlink(missing_ok=True)
            raise
        anexo = Anexo(
            documento_id=documento.id,
            nombre_archivo=archivo.name,
            content_type=tipo,
            tamano_bytes=archivo.size,
            ruta=destino.relative_to(get_settings().storage_dir).as_posix(),
            estado_procesamiento=EstadoProcesamiento.PENDIENTE,
            subido_por_id=usuario.id,
        )
        self.session.add(anexo)
        await self.session.flush()
        WorkflowService(self.session).anotar(
            usuario,
            documento,
            EventoHistorial.ANEXO_AGREGADO,
            {
                "anexo_id": anexo.id,
                "nombre_archivo": anexo.nombre_archivo,
                "content_type": tipo,
                "tamano_bytes": anexo.tamano_bytes,
            },
        )
        await self.session.flush()
        task_id = enqueue_after_commit(self.session, PROCESAR_ANEXO, {"anexo_id": anexo.id})
        # The receipt counts the attachments: the stored one is stale from now on.
        cargo_service.cargo_cambio(self.session, documento.id)
        logger.info(
            "anexo.recibido anexo_id=%s documento_id=%s bytes=%d type=%s",
            anexo.id,
            documento.id,
            anexo.tamano_bytes,
            tipo,
        )
        return Subida(anexo, task_id)

    async def listar(self, usuario: Principal, documento_id: int) -> list[Anexo]:
        documento = (
            await self.session.scalars(
                select(Documento)
                .where(Documento.id == documento_id, filtro_visibilidad(usuario))
                .options(selectinload(Documento.anexos))
            )
        ).first()
        if documento is None:
            raise NotFound(f"No existe el documento {documento_id}.")
        return list(documento.anexos)

    async def obtener(self, usuario: Principal, documento_id: int, anexo_id: int) -> Anexo:
        """An attachment of a document the user can see (404 for both an unknown attachment and a
        document they cannot see)."""
        anexo = (
            await self.session.scalars(
                select(Anexo)
                .join(Documento, Documento.id == Anexo.documento_id)
                .where(Anexo.id == anexo_id, Anexo.documento_id == documento_id, filtro_visibilidad(usuario))
            )
        ).first()
        if anexo is None:
            raise NotFound(f"No existe el anexo {anexo_id} del documento {documento_id}.")
        return anexo

    async def duplicado_de(self, anexo: Anexo) -> int | None:
        """The earliest other attachment of the same document with the same bytes (by sha256)."""
        if anexo.sha256 is None:
            return None
        return await self.session.scalar(
            select(Anexo.id)
            .where(
                Anexo.sha256 == anexo.sha256, Anexo.documento_id == anexo.documento_id, Anexo.id < anexo.id
            )
            .order_by(Anexo.id)
            .limit(1)
        )

    async def para_descarga(self, usuario: Principal, documento_id: int, anexo_id: int) -> tuple[Anexo, Path]:
        """An attachment's file. One whose processing failed (unreadable, or not what it claims to
        be) is for admins only: 403, since the listing shows it to everyone who sees the document."""
        anexo = await self.obtener(usuario, documento_id, anexo_id)
        if anexo.estado_procesamiento is EstadoProcesamiento.FALLIDO and usuario.rol is not Rol.ADMIN:
            raise Forbidden("Solo un administrador puede descargar un anexo cuyo procesamiento falló.")
        path = ruta_absoluta(anexo)
        if not await asyncio.to_thread(path.is_file):
            raise NotFound(f"El archivo del anexo {anexo_id} no está disponible.")
        return anexo, path


async def tipo_aceptado(archivo: ReceivedFile) -> str:
    """The received file's type, sniffed from its bytes: an allowed one that agrees with what the
    client declared (422 otherwise)."""
    tipo = await asyncio.to_thread(contenido.tipo_de_archivo, archivo.temp_path)
    if tipo not in contenido.PERMITIDOS:
        raise InvalidInput(
            f"No se aceptan archivos de tipo {tipo} (se admiten: {_PERMITIDOS_TEXTO}).", field=CAMPO
        )
    if motivo := contenido.contradiccion(tipo, archivo.declared_type, archivo.name):
        raise InvalidInput(f"Se rechazó el archivo: {motivo}.", field=CAMPO)
    return tipo


def duplicados(anexos: list[Anexo]) -> dict[int, int]:
    """For a document's attachments in id order: attachment id → the earliest one with its bytes."""
    primero: dict[str, int] = {}
    resultado: dict[int, int] = {}
    for anexo in sorted(anexos, key=lambda a: a.id):
        if anexo.sha256 is None:
            continue
        if anexo.sha256 in primero:
            resultado[anexo.id] = primero[anexo.sha256]
        else:
            primero[anexo.sha256] = anexo.id
    return resultado
