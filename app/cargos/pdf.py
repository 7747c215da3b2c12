"""The receipt's page: an A4 PDF drawn with reportlab in invariant mode (no clock, no random id), so
the same data gives the same bytes.

From top to bottom: the institution (logo, name, RUC, address, phone, email, office hours), the
title, the document's data (with its TUPA procedure and legal deadline), the QR code of the public
tracking page with that page's address beside it, and a box for the desk's stamp and signature.
Whatever the lengths, it is one page: the longest values are cut with an ellipsis (the full text is
in the system; the receipt identifies the document). The tracking address is printed whole, smaller
and broken at any character when long (cut with "…" only past what 6-point text can hold: the QR
code still carries it).
"""

from __future__ import annotations

import io
import itertools
import re
from dataclasses import dataclass

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from app.institucion.identidad import OFICINA, Institucion, institucion
from app.seguimiento.service import url_seguimiento

TITULO = "CARGO DE RECEPCIÓN"
SELLO = "Sello y firma de recepción"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")
_FONT, _BOLD = "Helvetica", "Helvetica-Bold"
_GRIS = Color(0.35, 0.35, 0.35)
_ASUNTO = "Asunto"
_ELIPSIS = "…"
_LADO_QR = 38 * mm
# The tracking address's font sizes, largest first, and its line spacing (times the size).
_TAMANOS_URL = (8.5, 8.0, 7.5, 7.0, 6.5, 6.0)
_INTERLINEA = 1.3


@dataclass(frozen=True)
class DatosCargo:
    """What the receipt shows, as plain values (rendering runs off the event loop, without ORM)."""

    documento_id: int
    numero_expediente: str
    codigo_verificacion: str
    fecha_recepcion: str  # "06/12/2026 05:16:21 (hora de Lima)"
    remitente: str
    documento_identidad: str
    tipo_documento: str
    numero_documento: str | None
    asunto: str
    folios: int
    anexos: int
    area: str
    registrado_por: str
    procedimiento: str | None  # "TUPA-01 — Acceso a la información"
    fecha_limite: str  # "15/12/2026 (7 días hábiles)" or "Sin plazo legal"


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


def _limpio(texto: str) -> str:
    return _CONTROL.sub(" ", texto).strip()


def _cortar(linea: str, font: str, size: float, ancho: float) -> list[str]:
    """A line wider than `ancho` (a long word, URL or code) cut into pieces that fit."""
    piezas: list[str] = []
    while stringWidth(linea, font, size) > ancho:
        corte = len(linea)
        while corte > 1 and stringWidth(linea[:corte], font, size) > ancho:
            corte -= 1
        piezas.append(linea[:corte])
        linea = linea[corte:]
    return [*piezas, linea]


def _envolver(texto: str, font: str, size: float, ancho: float, maximo: int = 0) -> list[str]:
    """Lines of at most `ancho` points (at most `maximo` of them, the last one ending in "…")."""
    lineas: list[str] = []
    for linea in simpleSplit(_limpio(texto), font, size, ancho) or [""]:
        lineas.extend(_cortar(linea, font, size, ancho))
    return _recortar(lineas, maximo, font, size, ancho) if maximo else lineas


def _recortar(lineas: list[str], maximo: int, font: str, size: float, ancho: float) -> list[str]:
    if len(lineas) <= maximo:
        return lineas
    ultima = lineas[maximo - 1]
    while ultima and stringWidth(ultima + _ELIPSIS, font, size) > ancho:
        ultima = ultima[:-1]
    return [*lineas[: maximo - 1], ultima.rstrip() + _ELIPSIS]


def _envolver_url(url: str, font: str, size: float, ancho: float) -> list[str]:
    """The URL in lines of at most `ancho` points, each filled up, but broken before `?` and `&`
    where the next part fits whole on a line of its own (readable when typed)."""
    lineas: list[str] = []
    actual = ""
    for parte in re.split(r"(?=[?&])", url):
        if actual and stringWidth(actual + parte, font, size) > ancho >= stringWidth(parte, font, size):
            lineas.append(actual)
            actual = parte
            continue
        for caracter in parte:
            if actual and stringWidth(actual + caracter, font, size) > ancho:
                lineas.append(actual)
                actual = ""
            actual += caracter
    return [*lineas, actual]


def lineas_url(url: str, ancho: float, alto: float) -> tuple[float, list[str]]:
    """The printed address in `ancho` x `alto` points: (font size, lines). The largest size whose
    lines fit, broken before `?`/`&` when that fits, else at any character; an address too long
    even at the smallest size is cut visibly ("…" at the end: the QR code carries it whole)."""
    for size in _TAMANOS_URL:
        caben = int(alto // (size * _INTERLINEA))
        for lineas in (_envolver_url(url, _BOLD, size, ancho), _cortar(url, _BOLD, size, ancho)):
            if len(lineas) <= caben:
                return size, lineas
    size = _TAMANOS_URL[-1]
    caben = max(1, int(alto // (size * _INTERLINEA)))
    return size, _recortar(_cortar(url, _BOLD, size, ancho), caben, _BOLD, size, ancho)


def _cabecera(canvas: Canvas, inst: Institucion, x: float, y: float, ancho: float) -> float:
    """The institution's logo and identity at the top; returns the y below it."""
    logo = 22 * mm
    canvas.drawImage(
        str(inst.logo), x, y - logo, logo, logo, mask="auto", preserveAspectRatio=True, anchor="c"
    )
    tx = x + logo + 5 * mm
    ancho_texto = ancho - logo - 5 * mm
    cursor = y - 12
    canvas.setFont(_BOLD, 13)
    for linea in _envolver(inst.nombre, _BOLD, 13, ancho_texto, maximo=2):
        canvas.drawString(tx, cursor, linea)
        cursor -= 15
    canvas.setFillColor(_GRIS)
    contacto = [
        f"Teléfono: {inst.telefono}" if inst.telefono else "",
        f"Correo: {inst.email}" if inst.email else "",
    ]
    datos = [
        f"RUC {inst.ruc}",
        inst.direccion,
        " · ".join(p for p in contacto if p),
        f"Horario de atención: {inst.horario}" if inst.horario else "",
    ]
    canvas.setFont(_FONT, 9)
    for dato in datos:
        if not dato:
            continue
        for linea in _envolver(dato, _FONT, 9, ancho_texto, maximo=2):
            canvas.drawString(tx, cursor, linea)
            cursor -= 11
    canvas.setFillColor(Color(0, 0, 0))
    return float(min(cursor + 11, y - logo)) - 8


def _ajustar(lineas: dict[str, list[str]], disponibles: int, ancho: float) -> None:
    """Cut values until all fit in `disponibles` lines: first any other value beyond two lines
    (the longest first), then the subject, then the rest down to one line each."""

    def turno(etiqueta: str) -> tuple[int, int]:
        n = len(lineas[etiqueta])
        if etiqueta != _ASUNTO and n > 2:
            return (3, n)
        return (2, n) if etiqueta == _ASUNTO else (1, n)

    while sum(len(v) for v in lineas.values()) > disponibles:
        etiqueta = max(lineas, key=turno)
        valor = lineas[etiqueta]
        if len(valor) <= 1:
            return  # every value on one line: the layout below fits by construction
        lineas[etiqueta] = _recortar(valor, len(valor) - 1, _FONT, 10, ancho)


def _pie(canvas: Canvas, datos: DatosCargo, x: float, y: float, ancho: float) -> None:
    """One row from `y` up: the QR code of the tracking page, that page's address beside it, and
    the box for the desk's stamp and signature; under it, in the bottom margin, a note."""
    lado = _LADO_QR
    _dibujar_qr(canvas, qr_seguimiento(datos.numero_expediente, datos.codigo_verificacion), x, y, lado)
    ancho_sello = 58 * mm
    sx = x + ancho - ancho_sello
    canvas.setLineWidth(0.6)
    canvas.rect(sx, y, ancho_sello, lado, stroke=1, fill=0)
    canvas.setFont(_FONT, 8)
    canvas.drawCentredString(sx + ancho_sello / 2, y + 5, SELLO)

    tx = x + lado + 3 * mm
    ancho_texto = sx - 4 * mm - tx
    cursor = y + lado - 14
    canvas.setFont(_BOLD, 10)
    canvas.drawString(tx, cursor, "Consulte el estado de su trámite")
    cursor -= 13
    canvas.setFont(_FONT, 8.5)
    canvas.drawString(tx, cursor, "Escanee el código QR o ingrese a:")
    cursor -= 12
    texto = _envolver(
        "Tenga a mano el N.º de expediente y el código de verificación.", _FONT, 8, ancho_texto, maximo=2
    )
    # The address takes the column down to the note under it, whose last line sits 2 points above
    # the row's bottom (lines are `size * _INTERLINEA` apart, then 2 points, then the note's).
    alto_url = cursor - (y + 2) - 2 - 10 * (len(texto) - 1)
    url = url_seguimiento(datos.numero_expediente, datos.codigo_verificacion)
    size, lineas = lineas_url(url, ancho_texto, alto_url)
    canvas.setFont(_BOLD, size)
    for linea in lineas:
        canvas.drawString(tx, cursor, linea)
        cursor -= size * _INTERLINEA
    cursor -= 2
    canvas.setFont(_FONT, 8)
    for linea in texto:
        canvas.drawString(tx, cursor, linea)
        cursor -= 10

    canvas.setFillColor(_GRIS)
    # No article before the name: "ante la Municipalidad…" but "ante el Ministerio…".
    nota = "Conserve este cargo: acredita la presentación de su documento en esta mesa de partes."
    canvas.setFont(_FONT, 8)
    for linea in _envolver(nota, _FONT, 8, ancho, maximo=1):
        canvas.drawCentredString(x + ancho / 2, 10 * mm, linea)


def render_cargo(datos: DatosCargo) -> bytes:
    """The receipt as a one-page A4 PDF (CPU work: call it off the event loop)."""
    inst = institucion()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1, pageCompression=1)
    canvas.setTitle(f"Cargo de recepción {datos.numero_expediente}")
    canvas.setAuthor(inst.nombre)
    ancho_pagina, alto_pagina = A4
    margen = 18 * mm
    ancho = ancho_pagina - 2 * margen
    x = margen
    y = _cabecera(canvas, inst, x, alto_pagina - margen, ancho)

    canvas.setLineWidth(0.8)
    canvas.line(margen, y, ancho_pagina - margen, y)
    y -= 24
    canvas.setFont(_BOLD, 17)
    canvas.drawCentredString(ancho_pagina / 2, y, TITULO)
    y -= 15
    canvas.setFont(_FONT, 11)
    canvas.drawCentredString(ancho_pagina / 2, y, OFICINA)
    y -= 22

    campos: list[tuple[str, str]] = [
        ("N.º de expediente", datos.numero_expediente),
        ("Código de verificación", datos.codigo_verificacion),
        ("Fecha y hora de recepción", datos.fecha_recepcion),
        ("Remitente", datos.remitente),
        ("Documento de identidad", datos.documento_identidad),
        ("Tipo de documento", datos.tipo_documento),
        ("N.º de documento", datos.numero_documento or "—"),
        (_ASUNTO, datos.asunto),
        ("Folios", str(datos.folios)),
        ("Anexos", str(datos.anexos)),
        ("Área", datos.area),
        ("Registrado por", datos.registrado_por),
    ]
    if datos.procedimiento:
        campos.append(("Procedimiento TUPA", datos.procedimiento))
    campos.append(("Fecha límite de atención", datos.fecha_limite))
    columna = x + 50 * mm
    ancho_valor = ancho_pagina - margen - columna
    lineas = {etiqueta: _envolver(valor, _FONT, 10, ancho_valor) for etiqueta, valor in campos}

    disponibles = int((y - margen - 8 - _LADO_QR - 4 * len(campos)) // 13)
    _ajustar(lineas, disponibles, ancho_valor)
    for etiqueta, _ in campos:
        canvas.setFont(_BOLD, 10)
        canvas.drawString(x, y, f"{etiqueta}:")
        canvas.setFont(_FONT, 10)
        for linea in lineas[etiqueta]:
            canvas.drawString(columna, y, linea)
            y -= 13
        y -= 4

    _pie(canvas, datos, x, y - 8 - _LADO_QR, ancho)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
