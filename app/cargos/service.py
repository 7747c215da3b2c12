"""The receipt ("cargo de recepción") of a registered document: a one-page PDF with a QR code of its
public tracking URL, stored at `STORAGE_DIR/cargos/<documento_id>.pdf`.

The PDF is rendered from the document's current data with reportlab in invariant mode (no clock,
no random id), so rendering twice gives the same bytes and a second run of the task writes nothing.
An attachment added later makes the stored receipt stale (it counts the attachments): it is
removed after that commit and rendered again.
"""

from __future__ import annotations

import asyncio
import io
import itertools
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from app.anexos.models import Anexo
from app.catalogos.models import Area
from app.core.config import get_settings
from app.core.database import after_commit, session_scope
from app.core.errors import NotFound
from app.core.files import escribir_atomico, escribir_si_falta
from app.core.task_queue import enqueue_after_commit
from app.derivaciones.models import Derivacion
from app.documentos.acceso import filtro_visibilidad
from app.documentos.models import Documento
from app.seguimiento.service import url_seguimiento
from app.usuarios.principal import Principal

# Task names (the queue's contract: stable across deploys).
GENERAR_CARGO = "mesa_partes.generar_cargo_pdf"

logger = logging.getLogger("app.cargos")

TITULO = "CARGO DE RECEPCIÓN"
_DEFAULT_APP_NAME = "mesa-partes"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


def qr_seguimiento(numero_expediente: str, codigo_verificacion: str) -> QrCodeWidget:
    """The QR widget drawn on the receipt: it encodes exactly `url_seguimiento(...)`."""
    return QrCodeWidget(url_seguimiento(numero_expediente, codigo_verificacion), barLevel="M")


def _dibujar_qr(canvas: Canvas, widget: QrCodeWidget, x: float, y: float, lado: float) -> None:
    """The QR's dark modules as one filled path, one rectangle per run of a row, inside the
    standard 4-module quiet zone. (Rendering the widget as a Drawing encodes it twice and builds a
    validated shape per run: four times slower, on every receipt.)"""
    widget.qr.make()
    modulos = widget.qr.getModuleCount()
    borde = 4
    caja = lado / (modulos + 2 * borde)
    trazo = canvas.beginPath()
    for fila, celdas in enumerate(widget.qr.modules):
        columna = 0
        for oscuro, grupo in itertools.groupby(bool(celda) for celda in celdas):
            cuenta = sum(1 for _ in grupo)
            if oscuro:
                arriba = y + lado - (fila + borde + 1) * caja
                trazo.rect(x + (columna + borde) * caja, arriba, cuenta * caja, caja)
            columna += cuenta
    canvas.drawPath(trazo, stroke=0, fill=1)


def ruta_cargo(documento_id: int) -> Path:
    return get_settings().storage_dir / "cargos" / f"{documento_id}.pdf"


def nombre_descarga(numero_expediente: str) -> str:
    return f"cargo-{numero_expediente}.pdf"


@dataclass(frozen=True)
class DatosCargo:
    """What the receipt shows, as plain values (rendering runs off the event loop, without ORM)."""

    documento_id: int
    numero_expediente: str
    codigo_verificacion: str
    fecha_recepcion: str
    remitente: str
    documento_identidad: str
    tipo_documento: str
    numero_documento: str | None
    asunto: str
    folios: int
    anexos: int
    area: str
    registrado_por: str


def _consulta() -> Any:
    anexos = select(func.count(Anexo.id)).where(Anexo.documento_id == Documento.id).scalar_subquery()
    # The area that received the document: where it was before its first routing (the receipt
    # must not change when the document moves on), else where it still is.
    primera_derivacion = (
        select(Derivacion.area_origen_id)
        .where(Derivacion.documento_id == Documento.id)
        .order_by(Derivacion.id)
        .limit(1)
        .scalar_subquery()
    )
    area_recepcion = (
        select(Area.nombre)
        .where(Area.id == func.coalesce(primera_derivacion, Documento.area_actual_id))
        .scalar_subquery()
    )
    return select(Documento, anexos, area_recepcion).options(
        joinedload(Documento.remitente),
        joinedload(Documento.tipo_documento),
        joinedload(Documento.registrado_por),
    )


def _datos(documento: Documento, anexos: int, area: str) -> DatosCargo:
    zona = ZoneInfo(get_settings().timezone)
    remitente = documento.remitente
    return DatosCargo(
        documento_id=documento.id,
        numero_expediente=documento.numero_expediente,
        codigo_verificacion=documento.codigo_verificacion,
        fecha_recepcion=documento.fecha_recepcion.astimezone(zona).strftime("%d/%m/%Y %H:%M:%S")
        + f" ({get_settings().timezone})",
        remitente=remitente.nombre,
        documento_identidad=(
            f"{remitente.tipo_documento_identidad.value} {remitente.numero_documento_identidad}"
        ),
        tipo_documento=documento.tipo_documento.nombre,
        numero_documento=documento.numero_documento,
        asunto=documento.asunto,
        folios=documento.folios,
        anexos=anexos,
        area=area,
        registrado_por=documento.registrado_por.nombre_completo or documento.registrado_por.username,
    )


async def cargar_datos(
    session: AsyncSession, documento_id: int, usuario: Principal | None = None
) -> DatosCargo:
    """One statement: the document with its sender, type, area, registrar and attachment count;
    with `usuario`, only if they may see it (404 otherwise, as the detail)."""
    query = _consulta().where(Documento.id == documento_id)
    if usuario is not None:
        query = query.where(filtro_visibilidad(usuario))
    row = (await session.execute(query)).first()
    if row is None:
        raise NotFound(f"documento {documento_id} not found")
    documento, anexos, area = row
    return _datos(documento, int(anexos), str(area))


# ---- rendering --------------------------------------------------------------------------------------

_FONT, _BOLD = "Helvetica", "Helvetica-Bold"
_ASUNTO = "Asunto"


def _limpio(texto: str) -> str:
    return _CONTROL.sub(" ", texto).strip()


def _envolver(texto: str, font: str, size: float, ancho: float) -> list[str]:
    """Lines of at most `ancho` points; a word wider than a line (a long URL or code) is cut."""
    lineas: list[str] = []
    for linea in simpleSplit(_limpio(texto), font, size, ancho) or [""]:
        while stringWidth(linea, font, size) > ancho:
            corte = len(linea)
            while corte > 1 and stringWidth(linea[:corte], font, size) > ancho:
                corte -= 1
            lineas.append(linea[:corte])
            linea = linea[corte:]
        lineas.append(linea)
    return lineas


def render_cargo(datos: DatosCargo) -> bytes:
    """The receipt as a one-page A4 PDF (CPU work: call it off the event loop)."""
    settings = get_settings()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1, pageCompression=1)
    canvas.setTitle(f"Cargo de recepción {datos.numero_expediente}")
    canvas.setAuthor(settings.app_name)
    ancho_pagina, alto_pagina = A4
    margen = 20 * mm
    x, y = margen, alto_pagina - margen

    oficina = "Mesa de Partes"
    if settings.app_name and settings.app_name != _DEFAULT_APP_NAME:
        oficina = f"{settings.app_name} — Mesa de Partes"
    canvas.setFont(_BOLD, 12)
    for linea in _envolver(oficina, _BOLD, 12, ancho_pagina - 2 * margen):
        canvas.drawString(x, y, linea)
        y -= 15
    y -= 6
    canvas.setFont(_BOLD, 18)
    canvas.drawCentredString(ancho_pagina / 2, y, TITULO)
    y -= 10
    canvas.setLineWidth(0.8)
    canvas.line(margen, y, ancho_pagina - margen, y)
    y -= 22

    campos: list[tuple[str, str]] = [
        ("N.° de expediente", datos.numero_expediente),
        ("Código de verificación", datos.codigo_verificacion),
        ("Fecha y hora de recepción", datos.fecha_recepcion),
        ("Remitente", datos.remitente),
        ("Documento de identidad", datos.documento_identidad),
        ("Tipo de documento", datos.tipo_documento),
        ("N.° de documento", datos.numero_documento or "—"),
        (_ASUNTO, datos.asunto),
        ("Folios", str(datos.folios)),
        ("Anexos", str(datos.anexos)),
        ("Área", datos.area),
        ("Registrado por", datos.registrado_por),
    ]
    columna = x + 52 * mm
    ancho_valor = ancho_pagina - margen - columna
    lineas = {etiqueta: _envolver(valor, _FONT, 10, ancho_valor) for etiqueta, valor in campos}
    url = url_seguimiento(datos.numero_expediente, datos.codigo_verificacion)
    lineas_url = _envolver(url, _FONT, 8, ancho_pagina - 2 * margen)
    lado = 40 * mm
    bloque_qr = 8 + lado + 24 + 10 * len(lineas_url)
    # One page whatever the lengths: a subject too long for what is left is cut with an ellipsis
    # (the full text is in the system; the receipt identifies the document).
    disponible = int((y - margen - bloque_qr - 17 * len(campos)) // 13) + len(campos)
    sobran = sum(len(v) for v in lineas.values()) - disponible
    if sobran > 0:
        asunto = lineas[_ASUNTO]
        lineas[_ASUNTO] = [*asunto[: max(1, len(asunto) - sobran - 1)], "…"]
    for etiqueta, _ in campos:
        canvas.setFont(_BOLD, 10)
        canvas.drawString(x, y, f"{etiqueta}:")
        canvas.setFont(_FONT, 10)
        for linea in lineas[etiqueta]:
            canvas.drawString(columna, y, linea)
            y -= 13
        y -= 4

    y -= 8 + lado
    _dibujar_qr(
        canvas,
        qr_seguimiento(datos.numero_expediente, datos.codigo_verificacion),
        (ancho_pagina - lado) / 2,
        y,
        lado,
    )
    y -= 12
    canvas.setFont(_FONT, 9)
    canvas.drawCentredString(ancho_pagina / 2, y, "Consulte el estado de su trámite en:")
    y -= 12
    for linea in lineas_url:
        canvas.drawCentredString(ancho_pagina / 2, y, linea)
        y -= 10
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


# ---- storage and use cases --------------------------------------------------------------------------


async def generar_cargo(documento_id: int) -> dict[str, Any]:
    """The task `mesa_partes.generar_cargo_pdf`: render from the committed data and store it;
    rewrites nothing when the stored receipt already has these bytes."""
    async with session_scope() as session:
        datos = await cargar_datos(session, documento_id)
    contenido_pdf = render_cargo(datos)
    escrito = escribir_atomico(ruta_cargo(documento_id), contenido_pdf)
    if escrito:
        logger.info("cargo.generado documento_id=%s bytes=%d", documento_id, len(contenido_pdf))
    return {"documento_id": documento_id, "escrito": escrito, "bytes": len(contenido_pdf)}


def cargo_cambio(session: AsyncSession, documento_id: int) -> None:
    """What the receipt shows changed in this unit of work: once it commits, drop the stored one
    (so no request serves it) and render it again in the background."""

    async def descartar() -> None:
        await asyncio.to_thread(ruta_cargo(documento_id).unlink, missing_ok=True)

    after_commit(session, descartar)
    enqueue_after_commit(session, GENERAR_CARGO, {"documento_id": documento_id})


@dataclass(frozen=True)
class Cargo:
    nombre: str
    pdf: bytes


class CargoService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def obtener(self, usuario: Principal, documento_id: int) -> Cargo:
        """The stored receipt of a visible document, or one rendered (and stored) now. A receipt is a
        few kilobytes: it is read whole, so a concurrent re-render can never cut a response short."""
        datos = await cargar_datos(self.session, documento_id, usuario)
        nombre = nombre_descarga(datos.numero_expediente)
        path = ruta_cargo(documento_id)
        try:
            return Cargo(nombre, await asyncio.to_thread(path.read_bytes))
        except FileNotFoundError:
            pass
        pdf = await asyncio.to_thread(render_cargo, datos)
        # Only where no file exists: a task that rendered newer data in the meantime wins.
        await asyncio.to_thread(escribir_si_falta, path, pdf)
        return Cargo(nombre, pdf)
