"""How a report's sheets print: A4 landscape, one page wide (as many pages down as the rows need),
narrow margins, the header row repeated on every page, gridlines printed; the institution (logo,
name, RUC), the report's title and its generation time in the page header, "Página N de M" in the
footer. Excel and LibreOffice apply these when the sheet is printed or exported to PDF.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.core.office_time import format_datetime, zone_label
from app.institucion.identidad import Institucion

PAPEL_A4 = 9
# Inches. The top margin leaves room for the header's logo and its two lines of text.
MARGENES = {"left": 0.3, "right": 0.3, "top": 0.85, "bottom": 0.6}
MARGEN_CABECERA = MARGEN_PIE = 0.25
ALTO_LOGO_PULGADAS = 0.5
# Excel refuses a header or footer longer than 255 characters (UTF-16 units, codes included), and
# XlsxWriter then drops it whole, logo and all: every literal part is escaped and bounded, and the
# institution's name takes what is left.
MAX_CABECERA = 255
MAX_TITULO, MAX_ZONA, MAX_NOMBRE = 60, 30, 90
_ELIPSIS = "…"


def _largo(texto: str) -> int:
    """Length as Excel counts it (UTF-16 code units)."""
    return len(texto.encode("utf-16-le")) // 2


def _literal(texto: str, maximo: int) -> str:
    """Text as a header shows it: one line, '&' doubled (it starts a code), at most `maximo`
    characters once escaped (cut with "…")."""
    texto = " ".join(texto.split())
    escapado = texto.replace("&", "&&")
    if _largo(escapado) <= maximo:
        return escapado
    while texto and _largo(texto.replace("&", "&&") + _ELIPSIS) > maximo:
        texto = texto[:-1]
    return texto.rstrip().replace("&", "&&") + _ELIPSIS


def _cabecera(nombre: str, ruc: str, titulo: str, generado: datetime) -> str:
    # Font codes before the text (a size code such as &11 followed by a digit would swallow it).
    titulo = _literal(titulo, MAX_TITULO)
    generado_el = f"Generado el {format_datetime(generado)} ({_literal(zone_label(), MAX_ZONA)})"
    ruc = _literal(ruc, 20)

    def armar(nombre_escapado: str) -> str:
        return (
            f'&L&G&C&11&"-,Bold"{nombre_escapado}\n&9&"-,Regular"RUC {ruc}'
            f'&R&10&"-,Bold"{titulo}\n&9&"-,Regular"{generado_el}'
        )

    resto = MAX_CABECERA - _largo(armar(""))
    cabecera = armar(_literal(nombre, max(1, min(MAX_NOMBRE, resto))))
    assert _largo(cabecera) <= MAX_CABECERA, cabecera
    return cabecera


def _pie(reporte_id: int | None) -> str:
    numero = f"&R&8Reporte N.º {reporte_id}" if reporte_id is not None else ""
    pie = f"&L&8&A&C&9Página &P de &N{numero}"
    assert _largo(pie) <= MAX_CABECERA, pie
    return pie


class Impresion:
    """The page setup shared by every sheet of one workbook."""

    def __init__(self, entidad: Institucion, titulo: str, generado: datetime, reporte_id: int | None) -> None:
        self.logo = entidad.logo
        self.cabecera = _cabecera(entidad.nombre, entidad.ruc, titulo, generado)
        self.pie = _pie(reporte_id)

    def preparar(self, hoja: Any, *, encabezado_repetido: bool) -> None:
        """Page setup of `hoja` (XlsxWriter writes it when the workbook closes: constant_memory
        allows it at any time)."""
        hoja.set_landscape()
        hoja.set_paper(PAPEL_A4)
        hoja.fit_to_pages(1, 0)  # one page wide, as many down as needed
        hoja.set_margins(**MARGENES)
        hoja.set_header(self.cabecera, {"image_left": str(self.logo), "margin": MARGEN_CABECERA})
        self._escalar_logo(hoja)
        hoja.set_footer(self.pie, {"margin": MARGEN_PIE})
        if encabezado_repetido:
            hoja.repeat_rows(0)
            hoja.hide_gridlines(0)  # shown on screen and printed: the rows of a wide table read straight

    @staticmethod
    def _escalar_logo(hoja: Any) -> None:
        """A header image is printed at its pixel size over its resolution (a 256-pixel logo at
        96 dpi is 2.7 inches tall): the resolution XlsxWriter read is raised so that the logo
        prints ALTO_LOGO_PULGADAS tall, whatever file the institution configured. (A private
        attribute of XlsxWriter's Image: without it, the logo prints at its own size.)"""
        for imagen in getattr(hoja, "header_images", ()):
            alto = getattr(imagen, "_height", 0)
            if alto and hasattr(imagen, "_y_dpi"):
                dpi = alto / ALTO_LOGO_PULGADAS
                imagen._x_dpi = imagen._y_dpi = dpi
