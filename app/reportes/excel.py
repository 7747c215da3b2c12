"""The Excel writer of the reports: XlsxWriter in `constant_memory` mode, each data sheet written
row after row as its rows stream in, and the summary tab (the first one, written last:
app/reportes/resumen.py). It knows cells and formats, not SQL: the statements are in
app/reportes/listados.py, the run that feeds them in app/reportes/generacion.py, the printed
page (orientation, header and footer) in app/reportes/impresion.py.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import xlsxwriter  # type: ignore[import-untyped]

from app.core.office_time import office_zone
from app.institucion.identidad import institucion
from app.reportes.impresion import Impresion
from app.reportes.models import TipoReporte

# The report types as the summary's title, the printed header and the download's file name call them.
TITULOS = {
    TipoReporte.DOCUMENTOS: "documentos",
    TipoReporte.DERIVACIONES: "derivaciones",
    TipoReporte.VENCIDOS: "documentos vencidos",
    TipoReporte.ESTADISTICAS: "estadísticas",
}

TEXTO, NUMERO, FECHA, FECHA_HORA, SI_NO = "texto", "numero", "fecha", "fecha_hora", "si_no"
# Points per line of text (11-point Calibri): the height of a row whose cells wrap.
ALTO_LINEA = 15
# Excel's tallest row is 409 points.
MAX_LINEAS = 27
# Characters of proportional text per unit of column width (the width of a "0"), rounded down: a
# row is given a line too many rather than one too few.
LETRAS_POR_ANCHO = 1.1


@dataclass(frozen=True)
class Columna:
    """A column of a data sheet. `etiquetas`: the words shown for the stored codes
    (app/documentos/etiquetas.py); `ajustar`: long text, wrapped within the column's width."""

    titulo: str
    ancho: float
    tipo: str = TEXTO
    etiquetas: Mapping[str, str] | None = None
    ajustar: bool = False


# An xlsx sheet holds 1,048,576 rows, the header included; XlsxWriter drops cells past that silently.
MAX_FILAS_HOJA = 1_048_575

Escritor = Callable[[int, int, Any], None]


def lineas_de_titulo(columnas: Sequence[Columna]) -> int:
    """How many lines the header row needs when each title wraps within its column."""
    return max(len(textwrap.wrap(c.titulo, max(int(c.ancho) - 1, 4)) or [""]) for c in columnas)


class HojaDatos:
    """A data sheet written row after row (constant_memory forbids going back): bold wrapped
    header repeated on every printed page, widths, frozen header row, autofilter over what was
    written. Past a sheet's capacity the rows go on in "<name> (2)", "<name> (3)"…; `filas`
    counts them all."""

    def __init__(
        self, libro: LibroExcel, nombre: str, columnas: Sequence[Columna], max_filas: int = MAX_FILAS_HOJA
    ) -> None:
        self.libro, self.nombre, self.columnas, self.max_filas = libro, nombre, columnas, max_filas
        self.filas = 0
        self.hojas = 0
        # The wrapped columns: (index, characters per line) of text; (index, lines per code) of codes
        # shown as words, when some word needs more than a line.
        self._ajustadas: list[tuple[int, int]] = []
        self._ajustadas_palabras: list[tuple[int, dict[Any, int]]] = []
        for indice, columna in enumerate(columnas):
            por_linea = max(int(columna.ancho * LETRAS_POR_ANCHO), 1)
            if not columna.ajustar:
                continue
            if columna.etiquetas is None:
                self._ajustadas.append((indice, por_linea))
            elif any(len(palabra) > por_linea for palabra in columna.etiquetas.values()):
                lineas = {
                    codigo: -(-len(palabra) // por_linea) for codigo, palabra in columna.etiquetas.items()
                }
                self._ajustadas_palabras.append((indice, lineas))
        self._abrir()

    def _abrir(self) -> None:
        self.hojas += 1
        nombre = self.nombre if self.hojas == 1 else f"{self.nombre} ({self.hojas})"
        self.hoja = self.libro.workbook.add_worksheet(nombre)
        self.en_hoja = 0
        for indice, columna in enumerate(self.columnas):
            self.hoja.set_column(indice, indice, columna.ancho)
        self.hoja.freeze_panes(1, 0)
        self.libro.impresion.preparar(self.hoja, encabezado_repetido=True)
        # constant_memory: a row's height is set before its cells are written.
        self.hoja.set_row(0, ALTO_LINEA * lineas_de_titulo(self.columnas))
        for indice, columna in enumerate(self.columnas):
            self.hoja.write_string(0, indice, columna.titulo, self.libro.encabezado)
        self._escritores = [self.libro.escritor(self.hoja, columna) for columna in self.columnas]

    def escribir(self, valores: Sequence[Any]) -> None:
        if self.en_hoja == self.max_filas:
            self.cerrar()
            self._abrir()
        self.en_hoja += 1
        self.filas += 1
        # Neither Excel nor LibreOffice fits a row's height to its wrapped text when opening a file:
        # the height is estimated here, from the longest text over its column's width (set before
        # the row's cells, as constant_memory writes rows in order).
        lineas = 1
        for indice, por_linea in self._ajustadas:
            valor = valores[indice]
            if valor is not None:
                largo = len(valor) if type(valor) is str else len(str(valor))
                if largo > por_linea and -(-largo // por_linea) > lineas:
                    lineas = -(-largo // por_linea)
        for indice, por_codigo in self._ajustadas_palabras:
            lineas = max(lineas, por_codigo.get(valores[indice], 1))
        if lineas > 1:
            self.hoja.set_row(self.en_hoja, ALTO_LINEA * min(lineas, MAX_LINEAS))
        for indice, (valor, escribir) in enumerate(zip(valores, self._escritores, strict=True)):
            if valor is not None:
                escribir(self.en_hoja, indice, valor)

    def cerrar(self) -> None:
        self.hoja.autofilter(0, 0, self.en_hoja, len(self.columnas) - 1)

    def total(self, etiqueta: str, columnas_sumadas: Sequence[int], valores: Sequence[int | float]) -> None:
        """A bold TOTAL line under the rows (after `cerrar`, outside the autofilter): a SUM formula
        per summed column, with its value computed here (a reader that does not recalculate shows
        it too)."""
        fila = self.en_hoja + 1
        libro = self.libro
        self.hoja.write_string(fila, 0, etiqueta, libro.total_texto)
        for columna, valor in zip(columnas_sumadas, valores, strict=True):
            letra = xlsxwriter.utility.xl_col_to_name(columna)
            rango = f"{letra}2:{letra}{max(fila, 2)}" if self.en_hoja else None
            if rango is None:
                self.hoja.write_number(fila, columna, valor, libro.total_numero)
            else:
                self.hoja.write_formula(fila, columna, f"=SUM({rango})", libro.total_numero, valor)


class LibroExcel:
    """The workbook of one run; the summary sheet is the first tab, written last."""

    def __init__(
        self, ruta: Path, temporales: Path, titulo: str = "Reporte", reporte_id: int | None = None
    ) -> None:
        # tmpdir: constant_memory keeps one temporary file per sheet; next to the report, under a
        # directory of this run that is removed whatever happens.
        self.workbook = xlsxwriter.Workbook(
            str(ruta),
            {
                "constant_memory": True,
                "tmpdir": str(temporales),
                "strings_to_formulas": False,
                # Every cell wraps its text and sits at the top of its row, as the workbook's default
                # style (xf 0): the cells carry no style of their own, which costs nothing per cell
                # (a style index on every cell of a million rows is a tenth of the writing time).
                "default_format_properties": {"valign": "top", "text_wrap": True},
            },
        )
        self.zona = office_zone()
        # The instant the printed headers and the summary give as the report's generation.
        self.generado = datetime.now(self.zona)
        self.impresion = Impresion(institucion(), titulo, self.generado, reporte_id)
        # Formats start from the default properties (wrapped, top).
        formato = self.workbook.add_format
        self.encabezado = formato({"bold": True, "bg_color": "#DDEBF7", "bottom": 1})
        self.titulo = formato({"bold": True, "font_size": 14})
        self.negrita = formato({"bold": True})
        self.total_texto = formato({"bold": True, "top": 1})
        self.total_numero = formato({"bold": True, "top": 1, "num_format": "#,##0"})
        # The summary's numbers sit next to their labels, left-aligned.
        self.a_la_izquierda = formato({"align": "left"})
        self.conteo = formato({"num_format": "#,##0", "align": "left"})
        self.total_conteo = formato({"bold": True, "top": 1, "num_format": "#,##0", "align": "left"})
        # Centred: a count right-aligned against the next column's text reads as one word.
        self.numero = formato({"align": "center"})
        self.formato_fecha = formato({"num_format": "dd/mm/yyyy", "align": "left"})
        self.formato_fecha_hora = formato({"num_format": "dd/mm/yyyy hh:mm", "align": "left"})
        self.resumen = self.workbook.add_worksheet("Resumen")

    def escritor(self, hoja: Any, columna: Columna) -> Escritor:
        """How a value of `columna` is written (one closure per column, chosen once per sheet)."""
        tipo = columna.tipo
        if tipo == FECHA_HORA:
            zona, formato = self.zona, self.formato_fecha_hora
            write_datetime = hoja.write_datetime

            # Excel has no time zones: the office's wall-clock time, without tzinfo.
            def fecha_hora(fila: int, col: int, valor: datetime) -> None:
                write_datetime(fila, col, valor.astimezone(zona).replace(tzinfo=None), formato)

            return fecha_hora
        if tipo == FECHA:
            return lambda fila, col, valor: hoja.write_datetime(fila, col, valor, self.formato_fecha)
        if tipo == NUMERO:
            return lambda fila, col, valor: hoja.write_number(fila, col, valor, self.numero)
        write_string = hoja.write_string
        if tipo == SI_NO:
            return lambda fila, col, valor: write_string(fila, col, "Sí" if valor else "No")
        etiquetas = columna.etiquetas
        if etiquetas is not None:
            # The word for the code (an unknown code is shown as it is rather than hidden).
            return lambda fila, col, valor: write_string(fila, col, etiquetas.get(valor) or str(valor))
        # write_string, never write(): a text such as "=HYPERLINK(...)" stays text.
        return lambda fila, col, valor: write_string(fila, col, str(valor))

    def cerrar(self) -> None:
        self.workbook.close()
