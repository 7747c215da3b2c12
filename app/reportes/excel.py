"""The Excel writer of the reports: XlsxWriter in `constant_memory` mode, each data sheet written
row after row as its rows stream in, and the summary tab (the first one, written last). It knows
cells and formats, not SQL: the statements are in app/reportes/listados.py, the run that feeds
them in app/reportes/generacion.py.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, cast
from zoneinfo import ZoneInfo

import xlsxwriter  # type: ignore[import-untyped]

from app.core.config import get_settings
from app.reportes.models import TipoReporte

# The report types as the summary's title and the download's file name call them.
TITULOS = {
    TipoReporte.DOCUMENTOS: "documentos",
    TipoReporte.DERIVACIONES: "derivaciones",
    TipoReporte.VENCIDOS: "documentos vencidos",
    TipoReporte.ESTADISTICAS: "estadísticas",
}

TEXTO, NUMERO, FECHA, FECHA_HORA, SI_NO = "texto", "numero", "fecha", "fecha_hora", "si_no"


@dataclass(frozen=True)
class Columna:
    titulo: str
    ancho: float
    tipo: str = TEXTO


# An xlsx sheet holds 1,048,576 rows, the header included; XlsxWriter drops cells past that silently.
MAX_FILAS_HOJA = 1_048_575


@dataclass
class Desglose:
    """The summary's small table (count by one column) and its extra total lines."""

    titulo: str
    unidad: str
    columna: int | None = None
    conteo: Counter[str] = field(default_factory=Counter)
    totales: list[tuple[str, Any]] = field(default_factory=list)


class Solicitud(Protocol):
    """What the summary tells of the request (a run's `Trabajo`, app/reportes/generacion.py)."""

    @property
    def reporte_id(self) -> int: ...
    @property
    def tipo(self) -> TipoReporte: ...
    @property
    def parametros(self) -> Mapping[str, Any]: ...
    @property
    def solicitante(self) -> str: ...
    @property
    def solicitado_at(self) -> datetime: ...


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

    def escribir_resumen(self, solicitud: Solicitud, filas: int, desglose: Desglose) -> None:
        hoja = self.resumen
        hoja.set_column(0, 0, 34)
        hoja.set_column(1, 1, 60)
        hoja.write_string(0, 0, f"Reporte de {TITULOS[solicitud.tipo]}", self.titulo)
        generado = datetime.now(self.zona).replace(tzinfo=None)
        solicitado = solicitud.solicitado_at.astimezone(self.zona).replace(tzinfo=None)
        filas_resumen: list[tuple[str, Any]] = [
            ("Tipo de reporte", solicitud.tipo.value),
            ("Reporte N.º", solicitud.reporte_id),
            ("Solicitado por", solicitud.solicitante),
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
        for nombre, valor in sorted(solicitud.parametros.items()) or [("(ninguno)", "")]:
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
