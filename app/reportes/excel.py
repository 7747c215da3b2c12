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

# A typed XlsxWriter write method: (row, column, value, format).
Escritor = Callable[[int, int, Any, Any], Any]
# The words of a yes/no column.
SI_NO_PALABRAS: Mapping[Any, str] = {True: "Sí", False: "No"}


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
        # What each row needs, worked out once per sheet: the wrapped columns of text as (index,
        # characters per line); those of codes shown as words as (index, lines per code), kept only
        # when some word needs more than a line.
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
        # The cells of a row by how they are written, decided once per sheet: XlsxWriter's typed
        # methods, bound (never the generic write(): a text such as "=HYPERLINK(...)" stays text).
        # Texts are str (StrEnum codes included); codes and booleans go through their words.
        libro, hoja = self.libro, self.hoja
        self._write_string, self._set_row = hoja.write_string, hoja.set_row
        self._textos: list[int] = []
        self._palabras: list[tuple[int, Mapping[Any, str]]] = []
        self._con_formato: list[tuple[int, Escritor, Any]] = []
        self._fechas_hora: list[int] = []
        self._fecha_hora = (hoja.write_datetime, libro.zona, libro.formato_fecha_hora)
        for indice, columna in enumerate(self.columnas):
            if columna.tipo == FECHA_HORA:
                self._fechas_hora.append(indice)
            elif columna.tipo == FECHA:
                self._con_formato.append((indice, hoja.write_datetime, libro.formato_fecha))
            elif columna.tipo == NUMERO:
                self._con_formato.append((indice, hoja.write_number, libro.numero))
            elif columna.tipo == SI_NO:
                self._palabras.append((indice, SI_NO_PALABRAS))
            elif columna.etiquetas is not None:
                self._palabras.append((indice, columna.etiquetas))
            else:
                self._textos.append(indice)

    def escribir(self, valores: Sequence[Any]) -> None:
        """One row. The hot loop of a report (a million rows): everything that does not depend on
        the row's values was decided in `__init__`/`_abrir`."""
        if self.en_hoja == self.max_filas:
            self.cerrar()
            self._abrir()
        fila = self.en_hoja = self.en_hoja + 1
        self.filas += 1
        # Neither Excel nor LibreOffice fits a row's height to its wrapped text when opening a file:
        # the height is estimated here, from the longest text over its column's width (set before
        # the row's cells, as constant_memory writes rows in order). ceil(largo / por_linea) exceeds
        # `lineas` exactly when largo > por_linea * lineas: one multiplication per wrapped cell.
        lineas = 1
        for indice, por_linea in self._ajustadas:
            valor = valores[indice]
            if valor is not None and len(valor) > por_linea * lineas:
                lineas = -(-len(valor) // por_linea)
        for indice, por_codigo in self._ajustadas_palabras:
            if (por_palabra := por_codigo.get(valores[indice], 1)) > lineas:
                lineas = por_palabra
        if lineas > 1:
            self._set_row(fila, ALTO_LINEA * (lineas if lineas < MAX_LINEAS else MAX_LINEAS))
        # A row's cells may come in any order: XlsxWriter writes the row out in column order when
        # the next row starts.
        write_string = self._write_string
        for indice in self._textos:
            valor = valores[indice]
            if valor is not None:
                write_string(fila, indice, valor)
        for indice, palabras in self._palabras:
            valor = valores[indice]
            if valor is not None:
                # The word for the code (an unknown code is shown as it is rather than hidden).
                write_string(fila, indice, palabras.get(valor) or str(valor))
        for indice, escribir, formato in self._con_formato:
            valor = valores[indice]
            if valor is not None:
                escribir(fila, indice, valor, formato)
        write_datetime, zona, formato = self._fecha_hora
        for indice in self._fechas_hora:
            valor = valores[indice]
            if valor is not None:
                # Excel has no time zones: the office's wall-clock time, without tzinfo.
                write_datetime(fila, indice, valor.astimezone(zona).replace(tzinfo=None), formato)

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

    def cerrar(self) -> None:
        self.workbook.close()
