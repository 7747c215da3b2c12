"""Excel reports: the request (a row and a task enqueued after commit), the status, the download,
and the generation a worker runs.

Generation is at least once, effect once: a run holds a PostgreSQL advisory lock on the report
for its whole duration (on a connection of its own, so the lock dies with the process), re-reads
the row, and does nothing when the report is already complete. Rows are streamed from a
server-side cursor into XlsxWriter in `constant_memory` mode, written to a partial file in the
same directory and renamed over the final name at the end: a reader never sees half a file, and
a failed run leaves none behind.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import shutil
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, cast
from zoneinfo import ZoneInfo

import xlsxwriter  # type: ignore[import-untyped]
from sqlalchemy import Select, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlalchemy.orm import aliased

from app.catalogos.models import Area, Indicacion, Procedimiento, TipoDocumento
from app.core.config import get_settings
from app.core.database import current_database, session_scope
from app.core.errors import AppError, Conflict, Forbidden, NotFound
from app.core.sql import in_literal
from app.core.task_queue import cancellation_reason, enqueue_after_commit, get_task_queue
from app.derivaciones.models import Derivacion
from app.derivaciones.service import DerivacionService, FiltrosDerivacion
from app.documentos.acceso import filtro_visibilidad
from app.documentos.filtros import FiltrosDocumento, aplicar_filtros, documento_vencido
from app.documentos.models import Documento
from app.estadisticas.schemas import Estadisticas
from app.estadisticas.service import EstadisticaService
from app.remitentes.models import Remitente
from app.reportes.models import EstadoReporte, Reporte, TipoReporte
from app.reportes.schemas import (
    PARAMETROS,
    ParametrosDerivaciones,
    ParametrosDocumentos,
    ParametrosEstadisticas,
    ParametrosVencidos,
    ReporteCreate,
)
from app.usuarios.models import Rol, Usuario
from app.usuarios.permisos import exigir_rol

# Task names (the queue's contract: stable across deploys).
GENERAR_REPORTE = "mesa_partes.generar_reporte_excel"
REANUDAR_REPORTES = "mesa_partes.reanudar_reportes"

logger = logging.getLogger("app.reportes")

MEDIA_TYPE_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# pg_locks.classid of a report run's advisory lock (objid is the report id): "RP".
LOCK_CLASS = 0x5250
ROLES = (Rol.ADMIN, Rol.MESA_PARTES, Rol.AUDITOR, Rol.ESPECIALISTA)
TITULOS = {
    TipoReporte.DOCUMENTOS: "documentos",
    TipoReporte.DERIVACIONES: "derivaciones",
    TipoReporte.VENCIDOS: "documentos vencidos",
    TipoReporte.ESTADISTICAS: "estadísticas",
}
MAX_ERROR = 2000
Consulta = Select[*tuple[Any, ...]]  # a SELECT of plain columns, whatever they are


class ArchivoNoDisponible(AppError):
    """The report completed but its file is no longer on disk (removed by retention or by hand)."""

    status_code = 410
    code = "gone"


def directorio_reportes() -> Path:
    return get_settings().storage_dir / "reportes"


# ---- request, status, download ----------------------------------------------------------------


class ReporteService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def solicitar(self, usuario: Usuario, data: ReporteCreate) -> Reporte:
        """Insert the report as pendiente; its task is published once the request commits."""
        exigir_rol(usuario, *ROLES)
        task_id = uuid.uuid4().hex
        reporte = Reporte(
            tipo=TipoReporte(data.tipo),
            parametros=data.parametros_json(),
            estado=EstadoReporte.PENDIENTE,
            task_id=task_id,
            solicitado_por_id=usuario.id,
        )
        self.session.add(reporte)
        await self.session.flush()
        enqueue_after_commit(self.session, GENERAR_REPORTE, {"reporte_id": reporte.id}, task_id=task_id)
        logger.info("reporte.solicitado id=%s tipo=%s task_id=%s", reporte.id, reporte.tipo.value, task_id)
        return reporte

    async def listar(
        self, usuario: Usuario, *, todos: bool, task_id: str | None, page_size: int
    ) -> tuple[list[Reporte], bool]:
        """The user's reports newest first (an admin's `todos`: everyone's); one statement."""
        if todos and usuario.rol is not Rol.ADMIN:
            raise Forbidden("only an admin can list every user's reports")
        query = select(Reporte)
        if not todos:
            query = query.where(Reporte.solicitado_por_id == usuario.id)
        if task_id is not None:
            query = query.where(Reporte.task_id == task_id)
        # The shape of the named query "reportes.mios" (ix_reportes_solicitante_fecha).
        query = query.order_by(Reporte.created_at.desc()).limit(page_size + 1)
        reportes = list(await self.session.scalars(query))
        return reportes[:page_size], len(reportes) > page_size

    async def obtener(self, usuario: Usuario, reporte_id: int) -> Reporte:
        """Its requester's and the admins'; 404 for anyone else, as for an unknown id."""
        query = select(Reporte).where(Reporte.id == reporte_id)
        if usuario.rol is not Rol.ADMIN:
            query = query.where(Reporte.solicitado_por_id == usuario.id)
        reporte = await self.session.scalar(query)
        if reporte is None:
            raise NotFound(f"reporte {reporte_id} not found")
        return reporte

    async def abrir_archivo(self, usuario: Usuario, reporte_id: int) -> tuple[Reporte, IO[bytes]]:
        """The completed report and its file, opened: a later run replacing the file, or a
        clean-up removing it, cannot cut a download short."""
        reporte = await self.obtener(usuario, reporte_id)
        if reporte.estado is not EstadoReporte.COMPLETADO:
            raise Conflict(
                f"reporte {reporte_id} is {reporte.estado.value}, not completado yet",
                estado=reporte.estado.value,
            )
        raiz = get_settings().storage_dir.resolve()
        ruta = (raiz / (reporte.ruta_archivo or "")).resolve()
        try:
            if not ruta.is_relative_to(raiz) or not ruta.is_file():
                raise FileNotFoundError(ruta)
            archivo = await asyncio.to_thread(ruta.open, "rb")
        except OSError as exc:
            raise ArchivoNoDisponible(f"the file of reporte {reporte_id} is no longer available") from exc
        return reporte, archivo


def segundos(reporte: Reporte, ahora: datetime | None = None) -> float | None:
    """Run time so far (until now while it runs)."""
    if reporte.iniciado_at is None:
        return None
    fin = reporte.finalizado_at or ahora or datetime.now(UTC)
    return round(max((fin - reporte.iniciado_at).total_seconds(), 0.0), 3)


def nombre_descarga(reporte: Reporte) -> str:
    """The file name offered to the user, made only of server data (never of user input)."""
    momento = (reporte.finalizado_at or reporte.created_at).astimezone(ZoneInfo(get_settings().timezone))
    return f"Reporte de {TITULOS[reporte.tipo]} {reporte.id} {momento:%Y-%m-%d}.xlsx"


# ---- generation: the Excel writer -------------------------------------------------------------

TEXTO, NUMERO, FECHA, FECHA_HORA, SI_NO = "texto", "numero", "fecha", "fecha_hora", "si_no"


@dataclass(frozen=True)
class Columna:
    titulo: str
    ancho: float
    tipo: str = TEXTO


# An xlsx sheet holds 1,048,576 rows, the header included; XlsxWriter drops cells past that silently.
MAX_FILAS_HOJA = 1_048_575


class HojaDatos:
    """A data sheet written row after row (constant_memory forbids going back): bold header,
    widths, frozen header row, autofilter over what was written. Past a sheet's capacity the rows
    go on in "<name> (2)", "<name> (3)"…; `filas` counts them all."""

    def __init__(
        self, libro: LibroExcel, nombre: str, columnas: Sequence[Columna], max_filas: int = MAX_FILAS_HOJA
    ) -> None:
        self.libro, self.nombre, self.columnas, self.max_filas = libro, nombre, columnas, max_filas
        self.filas = 0
        self.hojas = 0
        self._abrir()

    def _abrir(self) -> None:
        self.hojas += 1
        nombre = self.nombre if self.hojas == 1 else f"{self.nombre} ({self.hojas})"
        self.hoja = self.libro.workbook.add_worksheet(nombre)
        self.en_hoja = 0
        for indice, columna in enumerate(self.columnas):
            self.hoja.set_column(indice, indice, columna.ancho)
        self.hoja.freeze_panes(1, 0)
        for indice, columna in enumerate(self.columnas):
            self.hoja.write_string(0, indice, columna.titulo, self.libro.encabezado)
        self._escritores = [self.libro.escritor(self.hoja, columna.tipo) for columna in self.columnas]

    def escribir(self, valores: Sequence[Any]) -> None:
        if self.en_hoja == self.max_filas:
            self.cerrar()
            self._abrir()
        self.en_hoja += 1
        self.filas += 1
        for indice, (valor, escribir) in enumerate(zip(valores, self._escritores, strict=True)):
            if valor is not None:
                escribir(self.en_hoja, indice, valor)

    def cerrar(self) -> None:
        self.hoja.autofilter(0, 0, self.en_hoja, len(self.columnas) - 1)


class LibroExcel:
    """The workbook of one run; the summary sheet is the first tab, written last."""

    def __init__(self, ruta: Path, temporales: Path) -> None:
        # tmpdir: constant_memory keeps one temporary file per sheet; next to the report, under a
        # directory of this run that is removed whatever happens.
        self.workbook = xlsxwriter.Workbook(
            str(ruta), {"constant_memory": True, "tmpdir": str(temporales), "strings_to_formulas": False}
        )
        self.zona = ZoneInfo(get_settings().timezone)
        self.encabezado = self.workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "bottom": 1})
        self.titulo = self.workbook.add_format({"bold": True, "font_size": 14})
        self.negrita = self.workbook.add_format({"bold": True})
        self.formato_fecha = self.workbook.add_format({"num_format": "dd/mm/yyyy"})
        self.formato_fecha_hora = self.workbook.add_format({"num_format": "dd/mm/yyyy hh:mm"})
        self.resumen = self.workbook.add_worksheet("Resumen")

    def escritor(self, hoja: Any, tipo: str) -> Callable[[int, int, Any], None]:
        if tipo == FECHA_HORA:
            zona, formato = self.zona, self.formato_fecha_hora

            # Excel has no time zones: the office's wall-clock time, without tzinfo.
            def fecha_hora(fila: int, col: int, valor: datetime) -> None:
                hoja.write_datetime(fila, col, valor.astimezone(zona).replace(tzinfo=None), formato)

            return fecha_hora
        if tipo == FECHA:
            return lambda fila, col, valor: hoja.write_datetime(fila, col, valor, self.formato_fecha)
        if tipo == NUMERO:
            return cast(Callable[[int, int, Any], None], hoja.write_number)
        if tipo == SI_NO:
            return lambda fila, col, valor: hoja.write_string(fila, col, "Sí" if valor else "No")
        # write_string, never write(): a text such as "=HYPERLINK(...)" stays text.
        return lambda fila, col, valor: hoja.write_string(fila, col, str(valor))

    def escribir_resumen(self, trabajo: Trabajo, filas: int, desglose: Desglose) -> None:
        hoja = self.resumen
        hoja.set_column(0, 0, 34)
        hoja.set_column(1, 1, 60)
        hoja.write_string(0, 0, f"Reporte de {TITULOS[trabajo.tipo]}", self.titulo)
        generado = datetime.now(self.zona).replace(tzinfo=None)
        solicitado = trabajo.solicitado_at.astimezone(self.zona).replace(tzinfo=None)
        filas_resumen: list[tuple[str, Any]] = [
            ("Tipo de reporte", trabajo.tipo.value),
            ("Reporte N.º", trabajo.reporte_id),
            ("Solicitado por", trabajo.solicitante),
            ("Solicitado el", solicitado),
            ("Generado el", generado),
            ("Filas", filas),
            *desglose.totales,
        ]
        fila = 2
        for etiqueta, valor in filas_resumen:
            hoja.write_string(fila, 0, etiqueta, self.negrita)
            if isinstance(valor, datetime):
                hoja.write_datetime(fila, 1, valor, self.formato_fecha_hora)
            elif isinstance(valor, int | float):
                hoja.write_number(fila, 1, valor)
            else:
                hoja.write_string(fila, 1, str(valor))
            fila += 1
        fila += 1
        hoja.write_string(fila, 0, "Parámetros", self.encabezado)
        hoja.write_string(fila, 1, "Valor", self.encabezado)
        for nombre, valor in sorted(trabajo.parametros.items()) or [("(ninguno)", "")]:
            fila += 1
            texto = ", ".join(str(v) for v in valor) if isinstance(valor, list) else str(valor)
            hoja.write_string(fila, 0, nombre)
            hoja.write_string(fila, 1, texto)
        if desglose.conteo:
            fila += 2
            hoja.write_string(fila, 0, desglose.titulo, self.encabezado)
            hoja.write_string(fila, 1, desglose.unidad, self.encabezado)
            for clave, total in sorted(desglose.conteo.items(), key=lambda kv: (-kv[1], str(kv[0]))):
                fila += 1
                hoja.write_string(fila, 0, str(clave))
                hoja.write_number(fila, 1, total)

    def cerrar(self) -> None:
        self.workbook.close()


# ---- generation: what each report type reads --------------------------------------------------


@dataclass(frozen=True)
class Trabajo:
    """What a run needs from the row, read once under the lock."""

    reporte_id: int
    tipo: TipoReporte
    parametros: dict[str, Any]
    usuario: Usuario
    solicitante: str
    solicitado_at: datetime


@dataclass
class Desglose:
    """The summary's small table (count by one column) and its extra total lines."""

    titulo: str
    unidad: str
    columna: int | None = None
    conteo: Counter[str] = field(default_factory=Counter)
    totales: list[tuple[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Listado:
    """A streamed data sheet: its columns and the statement (plain columns, names joined)."""

    hoja: str
    columnas: tuple[Columna, ...]
    consulta: Consulta
    desglose: Desglose


def _con_nombres(*columnas: Any) -> Consulta:
    """Columns of documents with the names of their tipo, sender, procedimiento and area."""
    return (
        select(*columnas)
        .select_from(Documento)
        .join(TipoDocumento, TipoDocumento.id == Documento.tipo_documento_id)
        .join(Remitente, Remitente.id == Documento.remitente_id)
        .outerjoin(Procedimiento, Procedimiento.id == Documento.procedimiento_id)
        .join(Area, Area.id == Documento.area_actual_id)
    )


def listado_documentos(usuario: Usuario, p: ParametrosDocumentos) -> Listado:
    filtros = FiltrosDocumento(**p.model_dump(exclude_none=True))
    columnas = (
        Columna("N.º expediente", 15),
        Columna("Fecha de recepción", 17, FECHA_HORA),
        Columna("Tipo de documento", 18),
        Columna("N.º de documento", 22),
        Columna("Asunto", 60),
        Columna("Folios", 8, NUMERO),
        Columna("Remitente", 36),
        Columna("Doc. identidad", 11),
        Columna("N.º doc. identidad", 16),
        Columna("Procedimiento", 36),
        Columna("Canal", 16),
        Columna("Prioridad", 10),
        Columna("Estado", 12),
        Columna("Área actual", 30),
        Columna("Registrado por", 24),
        Columna("Fecha límite", 12, FECHA),
        Columna("Fecha de atención", 17, FECHA_HORA),
    )
    query = (
        _con_nombres(
            Documento.numero_expediente,
            Documento.fecha_recepcion,
            TipoDocumento.nombre,
            Documento.numero_documento,
            Documento.asunto,
            Documento.folios,
            Remitente.nombre,
            Remitente.tipo_documento_identidad,
            Remitente.numero_documento_identidad,
            Procedimiento.nombre,
            Documento.canal,
            Documento.prioridad,
            Documento.estado,
            Area.nombre,
            Usuario.nombre_completo,
            Documento.fecha_limite,
            Documento.fecha_atencion,
        )
        .join(Usuario, Usuario.id == Documento.registrado_por_id)
        .where(filtro_visibilidad(usuario))
    )
    # The list's order: newest first.
    query = aplicar_filtros(query, filtros).order_by(Documento.fecha_recepcion.desc(), Documento.id.desc())
    return Listado("Documentos", columnas, query, Desglose("Estado", "Documentos", columna=12))


def listado_derivaciones(usuario: Usuario, p: ParametrosDerivaciones) -> Listado:
    filtros = FiltrosDerivacion(**p.model_dump(exclude_none=True))
    origen, destino = aliased(Area), aliased(Area)
    enviado_por, recibido_por = aliased(Usuario), aliased(Usuario)
    columnas = (
        Columna("N.º expediente", 15),
        Columna("Asunto", 50),
        Columna("Fecha de envío", 17, FECHA_HORA),
        Columna("Área de origen", 30),
        Columna("Área de destino", 30),
        Columna("Enviado por", 24),
        Columna("Indicación", 28),
        Columna("Prioridad", 10),
        Columna("Estado", 11),
        Columna("Copia", 7, SI_NO),
        Columna("Proveído", 50),
        Columna("Fecha de recepción", 17, FECHA_HORA),
        Columna("Recibido por", 24),
        Columna("Fecha de atención", 17, FECHA_HORA),
        Columna("Plazo (días)", 10, NUMERO),
        Columna("Fecha límite", 12, FECHA),
    )
    # The tray's statement (visibility and filters), with plain columns instead of entities.
    query = (
        DerivacionService.consulta_lista(usuario, filtros)
        .with_only_columns(
            Documento.numero_expediente,
            Documento.asunto,
            Derivacion.fecha_envio,
            origen.nombre,
            destino.nombre,
            enviado_por.nombre_completo,
            Indicacion.nombre,
            Derivacion.prioridad,
            Derivacion.estado,
            Derivacion.es_copia,
            Derivacion.proveido,
            Derivacion.fecha_recepcion,
            recibido_por.nombre_completo,
            Derivacion.fecha_atencion,
            Derivacion.plazo_dias,
            Derivacion.fecha_limite,
        )
        .select_from(Derivacion)
        .join(Documento, Documento.id == Derivacion.documento_id)
        .join(origen, origen.id == Derivacion.area_origen_id)
        .join(destino, destino.id == Derivacion.area_destino_id)
        .join(enviado_por, enviado_por.id == Derivacion.enviado_por_id)
        .outerjoin(recibido_por, recibido_por.id == Derivacion.recibido_por_id)
        .outerjoin(Indicacion, Indicacion.id == Derivacion.indicacion_id)
        .order_by(Derivacion.fecha_envio.desc(), Derivacion.id.desc())
    )
    return Listado("Derivaciones", columnas, query, Desglose("Estado", "Derivaciones", columna=8))


def listado_vencidos(usuario: Usuario, p: ParametrosVencidos) -> Listado:
    columnas = (
        Columna("N.º expediente", 15),
        Columna("Fecha límite", 12, FECHA),
        Columna("Días de atraso", 10, NUMERO),
        Columna("Fecha de recepción", 17, FECHA_HORA),
        Columna("Tipo de documento", 18),
        Columna("Asunto", 60),
        Columna("Remitente", 36),
        Columna("Procedimiento", 36),
        Columna("Prioridad", 10),
        Columna("Estado", 12),
        Columna("Área actual", 30),
    )
    query = _con_nombres(
        Documento.numero_expediente,
        Documento.fecha_limite,
        # Calendar days past the deadline, in the office's calendar (the session's time zone).
        (func.current_date() - Documento.fecha_limite).label("dias_atraso"),
        Documento.fecha_recepcion,
        TipoDocumento.nombre,
        Documento.asunto,
        Remitente.nombre,
        Procedimiento.nombre,
        Documento.prioridad,
        Documento.estado,
        Area.nombre,
    ).where(documento_vencido(), filtro_visibilidad(usuario))
    if p.area_id is not None:
        query = query.where(Documento.area_actual_id == p.area_id)
    # The shape of the named query "reportes.vencidos" (ix_documentos_vencimiento): most overdue first.
    query = query.order_by(Documento.fecha_limite)
    return Listado("Vencidos", columnas, query, Desglose("Área actual", "Documentos vencidos", columna=10))


LISTADOS: dict[TipoReporte, Callable[[Usuario, Any], Listado]] = {
    TipoReporte.DOCUMENTOS: listado_documentos,
    TipoReporte.DERIVACIONES: listado_derivaciones,
    TipoReporte.VENCIDOS: listado_vencidos,
}


# ---- generation: one run ----------------------------------------------------------------------


def _clave(reporte_id: int) -> int:
    """The report id as the lock's signed int4 objid (ids are bigint; the low 32 bits are kept)."""
    bajo = reporte_id & 0xFFFFFFFF
    return bajo - (1 << 32) if bajo >= 1 << 31 else bajo


@asynccontextmanager
async def candado(engine: AsyncEngine, reporte_id: int) -> AsyncIterator[AsyncConnection | None]:
    """A session-level advisory lock on the report, held on a dedicated autocommit connection;
    None when another live run holds it. A killed process's connection closes, which frees it."""
    async with engine.connect() as conexion:
        conexion = await conexion.execution_options(isolation_level="AUTOCOMMIT")
        clave = _clave(reporte_id)
        if not await conexion.scalar(select(func.pg_try_advisory_lock(LOCK_CLASS, clave))):
            yield None
            return
        try:
            yield conexion
        finally:
            try:
                await conexion.scalar(select(func.pg_advisory_unlock(LOCK_CLASS, clave)))
            except BaseException as exc:
                # A pooled connection must never keep the lock: close it, which frees it. (A run
                # cancelled mid-statement on this connection leaves it unusable: not an error of
                # its own, the run's exception is the one to report.)
                await conexion.invalidate()
                if not isinstance(exc, Exception):
                    raise
                logger.info("reporte.candado_cerrado id=%s reason=%r", reporte_id, exc)


def _mensaje(exc: BaseException) -> str:
    motivo = cancellation_reason(exc)
    if motivo is not None:
        return motivo[:MAX_ERROR]
    texto = str(exc).strip()
    return (f"{type(exc).__name__}: {texto}" if texto else type(exc).__name__)[:MAX_ERROR]


def _limpiar_restos(directorio: Path, reporte_id: int) -> None:
    """Partial files and temporary directories of earlier runs of this report that were killed
    (only a lock holder calls this, so none of them is in use)."""
    for resto in directorio.glob(f"{reporte_id}.xlsx.*.partial"):
        resto.unlink(missing_ok=True)
    for resto in directorio.glob(f"{reporte_id}.*.tmp"):
        shutil.rmtree(resto, ignore_errors=True)


async def _iniciar(reporte_id: int, task_id: str | None) -> Trabajo | str:
    """Mark the report procesando and return what the run needs; or why there is nothing to do."""
    async with session_scope() as session:
        reporte = await session.get(Reporte, reporte_id)
        if reporte is None:
            return "desconocido"
        if reporte.estado is EstadoReporte.COMPLETADO:
            return "ya_completado"
        usuario = await session.get(Usuario, reporte.solicitado_por_id)
        assert usuario is not None  # RESTRICT foreign key
        reporte.estado = EstadoReporte.PROCESANDO
        reporte.iniciado_at = datetime.now(UTC)
        reporte.finalizado_at = None
        reporte.filas = 0
        reporte.error = None
        reporte.ruta_archivo = None
        reporte.task_id = task_id or reporte.task_id
        return Trabajo(
            reporte_id=reporte.id,
            tipo=reporte.tipo,
            parametros=dict(reporte.parametros),
            usuario=usuario,
            solicitante=f"{usuario.nombre_completo} ({usuario.username})",
            solicitado_at=reporte.created_at,
        )


async def _escribir_listado(
    libro: LibroExcel, listado: Listado, control: AsyncConnection, reporte_id: int
) -> int:
    """Stream the statement into its sheet; the progress goes out every `report_progress_rows`."""
    settings = get_settings()
    hoja = HojaDatos(libro, listado.hoja, listado.columnas)
    desglose = listado.desglose
    avisado = 0
    async with current_database().engine.connect() as conexion:
        # A report may scan for longer than a request may: its task's time limit bounds it instead.
        limite_ms = str(settings.task_time_limit_s * 1000)
        await conexion.execute(select(func.set_config("statement_timeout", limite_ms, True)))
        resultado = await conexion.stream(
            listado.consulta.execution_options(yield_per=settings.report_fetch_rows)
        )
        async for lote in resultado.partitions():
            for fila in lote:
                hoja.escribir(fila)
                if desglose.columna is not None:
                    desglose.conteo[str(fila[desglose.columna])] += 1
            if hoja.filas - avisado >= settings.report_progress_rows:
                avisado = hoja.filas
                await control.execute(update(Reporte).where(Reporte.id == reporte_id).values(filas=avisado))
    hoja.cerrar()
    return hoja.filas


async def _escribir_estadisticas(libro: LibroExcel, trabajo: Trabajo, desglose: Desglose) -> int:
    """The aggregates of GET /estadisticas (computed now, not read from the cache), one sheet each."""
    p = ParametrosEstadisticas.model_validate(trabajo.parametros)
    async with session_scope() as session:
        datos: Estadisticas = await EstadisticaService(session).resumen(
            trabajo.usuario, p.fecha_desde, p.fecha_hasta, refresh=True
        )
    desglose.totales = [
        ("Documentos", datos.total),
        ("Vencidos", datos.vencidos),
        (
            "Tiempo medio de atención (días)",
            "sin datos" if datos.tiempo_medio_atencion_dias is None else datos.tiempo_medio_atencion_dias,
        ),
    ]
    desglose.conteo.update({c.clave: c.total for c in datos.por_estado})
    filas = 0
    for nombre, clave, conteos in (
        ("Por estado", "Estado", datos.por_estado),
        ("Por área", "Área", datos.por_area),
        ("Por tipo", "Tipo de documento", datos.por_tipo),
        ("Por mes", "Mes", datos.por_mes),
    ):
        hoja = HojaDatos(libro, nombre, (Columna(clave, 36), Columna("Documentos", 12, NUMERO)))
        for conteo in conteos:
            hoja.escribir((conteo.clave, conteo.total))
        hoja.cerrar()
        filas += hoja.filas
    return filas


async def _generar_archivo(
    trabajo: Trabajo, destino: Path, temporales: Path, control: AsyncConnection
) -> int:
    libro = LibroExcel(destino, temporales)
    if trabajo.tipo is TipoReporte.ESTADISTICAS:
        desglose = Desglose("Estado", "Documentos")
        filas = await _escribir_estadisticas(libro, trabajo, desglose)
    else:
        parametros = PARAMETROS[trabajo.tipo].model_validate(trabajo.parametros)
        listado = LISTADOS[trabajo.tipo](trabajo.usuario, parametros)
        desglose = listado.desglose
        filas = await _escribir_listado(libro, listado, control, trabajo.reporte_id)
    libro.escribir_resumen(trabajo, filas, desglose)
    # Zips the sheets' temporary files into the partial file. On this loop, not in a thread: a
    # cancellation must not leave a thread writing a file that the clean-up has just removed.
    libro.cerrar()
    return filas


async def _marcar_error(reporte_id: int, mensaje: str) -> None:
    async with session_scope() as session:
        await session.execute(
            update(Reporte)
            .where(Reporte.id == reporte_id)
            .values(estado=EstadoReporte.ERROR, error=mensaje, finalizado_at=func.now())
        )


async def generar_reporte(reporte_id: int, task_id: str | None = None) -> dict[str, Any]:
    """Generate report `reporte_id` unless it is complete or another live run is at it. Returns
    {"reporte_id", "resultado": completado | ya_completado | en_curso | desconocido, "filas"}."""
    async with candado(current_database().engine, reporte_id) as control:
        if control is None:
            logger.info("reporte.en_curso id=%s task_id=%s: another run holds it", reporte_id, task_id)
            return {"reporte_id": reporte_id, "resultado": "en_curso"}
        trabajo = await _iniciar(reporte_id, task_id)
        if isinstance(trabajo, str):
            logger.info("reporte.omitido id=%s task_id=%s resultado=%s", reporte_id, task_id, trabajo)
            return {"reporte_id": reporte_id, "resultado": trabajo}
        logger.info("reporte.iniciado id=%s tipo=%s task_id=%s", reporte_id, trabajo.tipo.value, task_id)
        directorio = directorio_reportes()
        directorio.mkdir(parents=True, exist_ok=True)
        _limpiar_restos(directorio, reporte_id)
        etiqueta = re.sub(r"[^A-Za-z0-9-]", "", task_id or "")[:64] or uuid.uuid4().hex
        final = directorio / f"{reporte_id}.xlsx"
        parcial = directorio / f"{reporte_id}.xlsx.{etiqueta}.partial"
        temporales = directorio / f"{reporte_id}.{etiqueta}.tmp"
        temporales.mkdir(exist_ok=True)
        try:
            filas = await _generar_archivo(trabajo, parcial, temporales, control)
            os.replace(parcial, final)
            async with session_scope() as session:
                await session.execute(
                    update(Reporte)
                    .where(Reporte.id == reporte_id)
                    .values(
                        estado=EstadoReporte.COMPLETADO,
                        filas=filas,
                        ruta_archivo=str(final.relative_to(get_settings().storage_dir)),
                        finalizado_at=func.now(),
                        error=None,
                    )
                )
        except BaseException as exc:
            parcial.unlink(missing_ok=True)
            mensaje = _mensaje(exc)
            logger.warning("reporte.error id=%s task_id=%s error=%s", reporte_id, task_id, mensaje)
            try:
                await _marcar_error(reporte_id, mensaje)
            except Exception:
                logger.exception("reporte.error_no_registrado id=%s", reporte_id)
            raise
        finally:
            shutil.rmtree(temporales, ignore_errors=True)
        logger.info("reporte.completado id=%s filas=%s task_id=%s", reporte_id, filas, task_id)
        return {"reporte_id": reporte_id, "resultado": "completado", "filas": filas}


# ---- the sweep of reports whose task was lost -----------------------------------------------------

ATASCADO_TRAS = "15 minutes"
LOTE_ATASCADOS = 100


def consulta_atascados() -> Select[int]:
    """Reports still pendiente or procesando long after they were requested and with no progress
    written for as long (ix_reportes_activos: only unfinished reports are in it)."""
    return (
        select(Reporte.id)
        .where(
            # Literals, so that a generic plan still matches the partial index's predicate.
            in_literal(Reporte.estado, [EstadoReporte.PENDIENTE, EstadoReporte.PROCESANDO]),
            Reporte.created_at < func.now() - text(f"interval '{ATASCADO_TRAS}'"),
            Reporte.updated_at < func.now() - text(f"interval '{ATASCADO_TRAS}'"),
        )
        .order_by(Reporte.created_at)
        .limit(LOTE_ATASCADOS)
    )


async def reanudar_atascados() -> list[int]:
    """Enqueue the report task again for stuck reports: one run in the API process lost at a
    restart (broker down), or a run that ended without recording its end. A report that is in fact
    still running keeps its lock, so the new message only finds it `en_curso`; a complete one,
    `ya_completado`."""
    async with session_scope() as session:
        ids = list(await session.scalars(consulta_atascados()))
    queue = get_task_queue()
    for reporte_id in ids:
        queue.enqueue(GENERAR_REPORTE, {"reporte_id": reporte_id})
    if ids:
        logger.warning("reporte.reanudados ids=%s", ids)
    return ids
