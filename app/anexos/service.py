"""Attachments (anexos): upload, list, read, download, and their background processing.

An upload is parsed from the request stream here, not by the framework: the file's bytes go
straight to a temporary file next to their final place while they are counted, so the size limit
holds before the file is stored (a lying or chunked body included) and nothing is kept in memory.
The type is sniffed from the stored bytes and checked against the allow-list and against what the
client declared; then the file is renamed into place and its row inserted in the request's unit of
work. A rollback of that unit removes the file again.

Storage layout (under STORAGE_DIR): `anexos/<documento_id>/<uuid>.<ext>`; the client's name is only
shown, never used as a path.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, MultipartState, parse_options_header
from sqlalchemy import Select, event, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import SessionTransaction, selectinload

from app.anexos import contenido
from app.anexos.models import Anexo, EstadoProcesamiento
from app.cargos import service as cargo_service
from app.core.config import get_settings
from app.core.database import session_scope
from app.core.errors import InvalidInput, NotFound, PayloadTooLarge
from app.core.files import nombre_visible, publicar
from app.core.sql import in_literal
from app.core.task_queue import enqueue_after_commit, get_task_queue
from app.documentos.acceso import filtro_visibilidad
from app.documentos.models import Documento, EventoHistorial
from app.documentos.service import DocumentoService
from app.usuarios.models import Usuario

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks


# Task names (the queue's contract: stable across deploys).
PROCESAR_ANEXO = "mesa_partes.procesar_anexo"
REPROCESAR_ANEXOS = "mesa_partes.reprocesar_anexos"
logger = logging.getLogger("app.anexos")

CAMPO = "archivo"
# Multipart framing around the file (boundaries, part headers): a body larger than the limit by
# more than this cannot hold an acceptable file, so its Content-Length alone refuses it.
MARGEN_MULTIPART = 16 * 1024
_MAX_HEADER_BYTES = 8 * 1024
_PERMITIDOS_TEXTO = ", ".join(contenido.NOMBRES[t] for t in sorted(contenido.PERMITIDOS, key=str))


def _mib(n: int) -> str:
    return f"{n / (1024 * 1024):g} MiB" if n >= 1024 * 1024 else f"{n / 1024:g} KiB"


def demasiado_grande(limite: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"the file is larger than the limit of {_mib(limite)} ({limite} bytes)",
        field=CAMPO,
        limite_bytes=limite,
    )


def directorio_anexos(documento_id: int) -> Path:
    return get_settings().storage_dir / "anexos" / str(documento_id)


def _ruta_segura(anexo: Anexo) -> Path | None:
    # `ruta` is always written by this module (relative, server-chosen); resolve it under the
    # storage directory all the same and refuse anything that would leave it (a row edited by hand).
    base = get_settings().storage_dir.resolve()
    path = (base / anexo.ruta).resolve()
    return path if path.is_relative_to(base) else None


def ruta_absoluta(anexo: Anexo) -> Path:
    path = _ruta_segura(anexo)
    if path is None:
        raise NotFound(f"the file of anexo {anexo.id} is not available")
    return path


# ---- receiving the multipart body --------------------------------------------------------------------


@dataclass
class ArchivoRecibido:
    temporal: Path
    nombre: str
    declarado: str | None
    tamano: int


@dataclass
class _Receptor:
    """python-multipart callbacks: the one file part `archivo` is counted and queued for writing;
    any other part is refused as soon as its headers are read."""

    directorio: Path
    limite: int
    nombre: str | None = None
    declarado: str | None = None
    tamano: int = 0
    completo: bool = False
    temporal: Path | None = None
    _archivo: BinaryIO | None = None
    _pendiente: list[bytes] = field(default_factory=list)
    _en_archivo: bool = False
    _campo: bytes = b""
    _valor: bytes = b""
    _cabeceras: dict[bytes, bytes] = field(default_factory=dict)

    def callbacks(self) -> MultipartCallbacks:
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": self._header_field,
            "on_header_value": self._header_value,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
        }

    def _part_begin(self) -> None:
        self._cabeceras, self._en_archivo = {}, False

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._campo += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._valor += data[start:end]
        if len(self._valor) > _MAX_HEADER_BYTES:
            raise InvalidInput("a multipart part header is too long", field=CAMPO)

    def _header_end(self) -> None:
        self._cabeceras[self._campo.strip().lower()] = self._valor.strip()
        self._campo, self._valor = b"", b""

    def _headers_finished(self) -> None:
        _, opciones = parse_options_header(self._cabeceras.get(b"content-disposition", b""))
        nombre_campo = opciones.get(b"name", b"").decode("utf-8", "replace")
        if nombre_campo != CAMPO:
            raise InvalidInput(
                f"unexpected form field {nombre_campo!r}: send only the file, in the field {CAMPO}",
                field=nombre_campo or CAMPO,
            )
        if b"filename" not in opciones:
            raise InvalidInput(f"{CAMPO} must be a file part (with a filename)", field=CAMPO)
        if self.nombre is not None:
            raise InvalidInput(f"send one file per request in {CAMPO}", field=CAMPO)
        self.nombre = nombre_visible(opciones[b"filename"].decode("utf-8", "replace"))
        declarado = self._cabeceras.get(b"content-type")
        self.declarado = declarado.decode("latin-1")[:200] if declarado else None
        self._en_archivo = True

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if not self._en_archivo:
            return
        self.tamano += end - start
        if self.tamano > self.limite:
            raise demasiado_grande(self.limite)
        self._pendiente.append(data[start:end])

    def _part_end(self) -> None:
        if self._en_archivo:
            self.completo = True
        self._en_archivo = False

    def _escribir(self, trozos: list[bytes]) -> None:
        if self._archivo is None:
            self.directorio.mkdir(parents=True, exist_ok=True)
            self.temporal = self.directorio / f".{uuid.uuid4().hex}.part"
            self._archivo = self.temporal.open("xb")
        self._archivo.write(b"".join(trozos))

    async def volcar(self) -> None:
        """Write what the last chunk carried (off the event loop); the file is opened on the first
        bytes of `archivo`, so a refused request never creates one."""
        if self._pendiente:
            trozos, self._pendiente = self._pendiente, []
            await asyncio.to_thread(self._escribir, trozos)

    async def cerrar(self) -> None:
        if self._archivo is not None:
            await asyncio.to_thread(self._archivo.close)
            self._archivo = None

    def descartar(self) -> None:
        if self._archivo is not None:
            self._archivo.close()
            self._archivo = None
        if self.temporal is not None:
            self.temporal.unlink(missing_ok=True)


async def recibir_archivo(
    content_type: str | None, cuerpo: AsyncIterator[bytes], directorio: Path, limite: int
) -> ArchivoRecibido:
    """Parse a multipart/form-data body with exactly one file part `archivo` into a temporary file in
    `directorio`, refusing (413) as soon as the file passes `limite` bytes. On any error nothing is
    left on disk."""
    tipo, opciones = parse_options_header(content_type or "")
    boundary = opciones.get(b"boundary")
    if tipo != b"multipart/form-data" or not boundary:
        raise InvalidInput(f"send the file as multipart/form-data in the field {CAMPO}", field=CAMPO)
    receptor = _Receptor(directorio, limite)
    try:
        try:
            parser = MultipartParser(boundary, receptor.callbacks(), max_header_size=_MAX_HEADER_BYTES)
            leidos = 0
            async for chunk in cuerpo:
                leidos += len(chunk)
                # The file part alone is counted exactly; this bounds what surrounds it.
                if leidos > limite + MARGEN_MULTIPART:
                    raise demasiado_grande(limite)
                parser.write(chunk)
                await receptor.volcar()
        except (FormParserError, ValueError) as exc:
            raise InvalidInput(f"malformed multipart body: {exc}", field=CAMPO) from exc
        if parser.state != MultipartState.END or (receptor.nombre is not None and not receptor.completo):
            raise InvalidInput("the multipart body ended before its closing boundary", field=CAMPO)
        if receptor.nombre is None:
            raise InvalidInput(f"the field {CAMPO} (a file) is required", field=CAMPO)
        if receptor.tamano == 0:
            raise InvalidInput("the file is empty", field=CAMPO)
        await receptor.cerrar()
    except BaseException:
        receptor.descartar()
        raise
    assert receptor.temporal is not None
    return ArchivoRecibido(receptor.temporal, receptor.nombre, receptor.declarado, receptor.tamano)


def _borrar_si_se_deshace(session: AsyncSession, path: Path) -> None:
    """Remove `path` when this unit of work rolls back (an error after the file was put in place,
    or a failed commit): a file is stored if and only if its row is."""
    confirmado = False

    def al_confirmar(_: Any) -> None:
        nonlocal confirmado
        confirmado = True

    def al_deshacer(_: Any, previa: SessionTransaction) -> None:
        if not confirmado and not previa.nested:
            path.unlink(missing_ok=True)

    event.listen(session.sync_session, "after_commit", al_confirmar)
    event.listen(session.sync_session, "after_soft_rollback", al_deshacer)


# ---- the service ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Subida:
    anexo: Anexo
    task_id: str


class AnexoService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def subir(
        self,
        usuario: Usuario,
        documento_id: int,
        content_type: str | None,
        content_length: int | None,
        cuerpo: AsyncIterator[bytes],
    ) -> Subida:
        """Store the uploaded file of a document in the user's area and queue its processing."""
        limite = get_settings().anexo_max_bytes
        if content_length is not None and content_length > limite + MARGEN_MULTIPART:
            raise demasiado_grande(limite)
        documentos = DocumentoService(self.session)
        documento = await documentos.para_anotar(usuario, documento_id)
        directorio = directorio_anexos(documento.id)
        recibido = await recibir_archivo(content_type, cuerpo, directorio, limite)
        try:
            tipo = await asyncio.to_thread(contenido.tipo_de_archivo, recibido.temporal)
            if tipo not in contenido.PERMITIDOS:
                raise InvalidInput(
                    f"files of type {tipo} are not accepted (allowed: {_PERMITIDOS_TEXTO})", field=CAMPO
                )
            if motivo := contenido.contradiccion(tipo, recibido.declarado, recibido.nombre):
                raise InvalidInput(f"the file is refused: {motivo}", field=CAMPO)
            destino = directorio / f"{uuid.uuid4().hex}{contenido.EXTENSION_CANONICA[tipo]}"
            _borrar_si_se_deshace(self.session, destino)
            await asyncio.to_thread(publicar, recibido.temporal, destino)
        except BaseException:
            recibido.temporal.unlink(missing_ok=True)
            raise
        anexo = Anexo(
            documento_id=documento.id,
            nombre_archivo=recibido.nombre,
            content_type=tipo,
            tamano_bytes=recibido.tamano,
            ruta=destino.relative_to(get_settings().storage_dir).as_posix(),
            estado_procesamiento=EstadoProcesamiento.PENDIENTE,
            subido_por_id=usuario.id,
        )
        self.session.add(anexo)
        await self.session.flush()
        documentos.anotar(
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

    async def listar(self, usuario: Usuario, documento_id: int) -> list[Anexo]:
        documento = (
            await self.session.scalars(
                select(Documento)
                .where(Documento.id == documento_id, filtro_visibilidad(usuario))
                .options(selectinload(Documento.anexos))
            )
        ).first()
        if documento is None:
            raise NotFound(f"documento {documento_id} not found")
        return list(documento.anexos)

    async def obtener(self, usuario: Usuario, documento_id: int, anexo_id: int) -> Anexo:
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
            raise NotFound(f"anexo {anexo_id} of documento {documento_id} not found")
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

    async def para_descarga(self, usuario: Usuario, documento_id: int, anexo_id: int) -> tuple[Anexo, Path]:
        anexo = await self.obtener(usuario, documento_id, anexo_id)
        path = ruta_absoluta(anexo)
        if not await asyncio.to_thread(path.is_file):
            raise NotFound(f"the file of anexo {anexo_id} is not available")
        return anexo, path


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


# ---- background processing (mesa_partes.procesar_anexo) ---------------------------------------------


@dataclass(frozen=True)
class Analisis:
    sha256: str | None
    content_type: str | None
    paginas: int | None
    error: str | None


def analizar(path: Path | None, tamano_esperado: int) -> Analisis:
    """sha256 (streamed), sniffed type and page count of a stored file, or why it cannot be used."""
    if path is None:
        return Analisis(None, None, None, "the stored path is outside the storage directory")
    try:
        tamano = path.stat().st_size
    except FileNotFoundError:
        return Analisis(None, None, None, "the stored file is missing")
    sha256 = contenido.sha256_de(path)
    if tamano != tamano_esperado:
        return Analisis(
            sha256, None, None, f"the stored file has {tamano} bytes, {tamano_esperado} were uploaded"
        )
    try:
        inspeccion = contenido.inspeccionar(path)
    except contenido.ArchivoInvalido as exc:
        return Analisis(sha256, contenido.tipo_de_archivo(path), None, str(exc))
    return Analisis(sha256, inspeccion.content_type, inspeccion.paginas, None)


async def procesar_anexo(anexo_id: int) -> dict[str, Any]:
    """Idempotent: an attachment already processed (or failed) is left as it is, and the update only
    applies while the row is still pending, so two deliveries of the task record one outcome."""
    async with session_scope() as session:
        anexo = await session.get(Anexo, anexo_id)
        if anexo is None:
            raise NotFound(f"anexo {anexo_id} not found")
        if anexo.estado_procesamiento is not EstadoProcesamiento.PENDIENTE:
            return {"anexo_id": anexo_id, "estado": anexo.estado_procesamiento.value, "cambiado": False}
        path, tamano = _ruta_segura(anexo), anexo.tamano_bytes
    # No connection is held while the file is read; this is the worker's own thread, so blocking
    # here blocks no one (and a soft time limit can interrupt a pathological PDF).
    analisis = analizar(path, tamano)
    estado = EstadoProcesamiento.FALLIDO if analisis.error else EstadoProcesamiento.PROCESADO
    async with session_scope() as session:
        result = await session.execute(
            update(Anexo)
            .where(Anexo.id == anexo_id, Anexo.estado_procesamiento == EstadoProcesamiento.PENDIENTE)
            .values(
                sha256=analisis.sha256,
                content_type=analisis.content_type or Anexo.content_type,
                paginas=analisis.paginas,
                estado_procesamiento=estado,
                error=analisis.error,
            )
            .returning(Anexo.id)
        )
        cambiado = result.scalar_one_or_none() is not None
    if cambiado:
        log = logger.warning if analisis.error else logger.info
        log("anexo.%s anexo_id=%s error=%r", estado.value, anexo_id, analisis.error)
    return {"anexo_id": anexo_id, "estado": estado.value, "cambiado": cambiado, "error": analisis.error}


def consulta_pendientes(antiguedad_s: int = 600, limite: int = 500) -> Select[int]:
    """Attachments pending for longer than `antiguedad_s`, oldest first (ix_anexos_pendientes)."""
    return (
        select(Anexo.id)
        .where(
            # A literal, so that a generic plan still matches the partial index's predicate.
            in_literal(Anexo.estado_procesamiento, [EstadoProcesamiento.PENDIENTE]),
            Anexo.created_at < func.now() - func.make_interval(0, 0, 0, 0, 0, 0, antiguedad_s),
        )
        .order_by(Anexo.created_at)
        .limit(limite)
    )


async def reencolar_pendientes(antiguedad_s: int = 600, limite: int = 500) -> list[int]:
    """Attachments still pending long after their upload lost their task (run in-process by an API
    process that stopped, a purged queue): queue them again. Processing is idempotent, so one that
    is merely slow is processed once all the same."""
    async with session_scope() as session:
        ids = list(await session.scalars(consulta_pendientes(antiguedad_s, limite)))
    queue = get_task_queue()
    for anexo_id in ids:
        queue.enqueue(PROCESAR_ANEXO, {"anexo_id": anexo_id})
    if ids:
        logger.warning("anexo.reencolados count=%d", len(ids))
    return ids
