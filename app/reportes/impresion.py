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
# Excel refuses a header or footer longer than 255 characters: the names are cut well before.
MAX_NOMBRE, MAX_TITULO = 90, 60


def _literal(texto: str, maximo: int) -> str:
    """Text as a header shows it: '&' doubled (it starts a code), cut to `maximo` characters."""
    texto = " ".join(texto.split())
    if len(texto) > maximo:
        texto = texto[: maximo - 1].rstrip() + "…"
    return texto.replace("&", "&&")


class Impresion:
    """The page setup shared by every sheet of one workbook."""

    def __init__(self, entidad: Institucion, titulo: str, generado: datetime, reporte_id: int | None) -> None:
        self.logo = entidad.logo
        # Font codes before the text (a size code such as &11 followed by a digit would swallow it).
        nombre = _literal(entidad.nombre, MAX_NOMBRE)
        generado_el = f"Generado el {format_datetime(generado)} ({zone_label()})"
        self.cabecera = (
            f'&L&G&C&11&"-,Bold"{nombre}\n&9&"-,Regular"RUC {entidad.ruc}'
            f'&R&10&"-,Bold"{_literal(titulo, MAX_TITULO)}\n&9&"-,Regular"{generado_el}'
        )
        numero = f"&R&8Reporte N.º {reporte_id}" if reporte_id is not None else ""
        self.pie = f"&L&8&A&C&9Página &P de &N{numero}"

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
