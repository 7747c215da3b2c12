"""The summary sheet ("Resumen", the workbook's first tab, written last): what was asked, by whom
and when, the parameters in words, the report's own totals, and its breakdowns (rows counted by
estado, by area…), each closed by a TOTAL line.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from app.core.office_time import zone_label
from app.reportes.excel import TITULOS, LibroExcel
from app.reportes.models import TipoReporte

SIN_DATO = "(sin dato)"


@dataclass
class Desglose:
    """One of the summary's tables: the rows counted by one of their columns (`columna`, or
    filled from elsewhere), the codes shown as words (`etiquetas`)."""

    clave: str  # the table's first header: "Estado", "Área actual"…
    unidad: str  # its second one: "Documentos", "Derivaciones"…
    columna: int | None = None
    etiquetas: Mapping[str, str] | None = None
    conteo: Counter[Any] = field(default_factory=Counter)

    def filas(self) -> list[tuple[str, int]]:
        """(word, count), most frequent first, then alphabetically."""
        palabras: Counter[str] = Counter()
        for clave, total in self.conteo.items():
            if clave is None or clave == "":
                palabra = SIN_DATO
            elif self.etiquetas is not None:
                palabra = self.etiquetas.get(clave) or str(clave)
            else:
                palabra = str(clave)
            palabras[palabra] += total
        return sorted(palabras.items(), key=lambda kv: (-kv[1], kv[0]))


class Solicitud(Protocol):
    """What the summary tells of the request (a run's `Trabajo`, app/reportes/generacion.py)."""

    @property
    def reporte_id(self) -> int: ...
    @property
    def tipo(self) -> TipoReporte: ...
    @property
    def solicitante(self) -> str: ...
    @property
    def solicitado_at(self) -> datetime: ...


def escribir_resumen(
    libro: LibroExcel,
    solicitud: Solicitud,
    filas: int,
    desgloses: Sequence[Desglose],
    parametros: Sequence[tuple[str, str]],
    totales: Sequence[tuple[str, Any]] = (),
) -> None:
    """Written top to bottom (constant_memory: rows in order)."""
    hoja = libro.resumen
    libro.impresion.preparar(hoja, encabezado_repetido=False)
    hoja.set_column(0, 0, 44)
    hoja.set_column(1, 1, 60)
    hoja.write_string(0, 0, f"Reporte de {TITULOS[solicitud.tipo]}", libro.titulo)
    zona = libro.zona
    hora = f"({zone_label()})"
    lineas: list[tuple[str, Any]] = [
        ("Tipo de reporte", TITULOS[solicitud.tipo].capitalize()),
        ("Reporte N.º", solicitud.reporte_id),
        ("Solicitado por", solicitud.solicitante),
        (f"Solicitado el {hora}", solicitud.solicitado_at.astimezone(zona).replace(tzinfo=None)),
        (f"Generado el {hora}", libro.generado.replace(tzinfo=None)),
        ("Filas", filas),
        *totales,
    ]
    fila = 2
    for etiqueta, valor in lineas:
        hoja.write_string(fila, 0, etiqueta, libro.negrita)
        if isinstance(valor, datetime):
            hoja.write_datetime(fila, 1, valor, libro.formato_fecha_hora)
        elif isinstance(valor, int | float):
            hoja.write_number(fila, 1, valor, libro.a_la_izquierda)
        else:
            hoja.write_string(fila, 1, str(valor))
        fila += 1
    fila += 1
    hoja.write_string(fila, 0, "Parámetros", libro.encabezado)
    hoja.write_string(fila, 1, "Valor", libro.encabezado)
    for nombre, valor in parametros or [("(ninguno: todos los registros que puede ver)", "")]:
        fila += 1
        hoja.write_string(fila, 0, nombre)
        hoja.write_string(fila, 1, valor)
    for desglose in desgloses:
        fila = _escribir_desglose(libro, fila + 2, desglose)


def _escribir_desglose(libro: LibroExcel, fila: int, desglose: Desglose) -> int:
    """The table from row `fila`; returns its last row (the TOTAL line)."""
    hoja = libro.resumen
    hoja.write_string(fila, 0, desglose.clave, libro.encabezado)
    hoja.write_string(fila, 1, desglose.unidad, libro.encabezado)
    primera = fila + 1
    total = 0
    for palabra, cuenta in desglose.filas():
        fila += 1
        hoja.write_string(fila, 0, palabra)
        hoja.write_number(fila, 1, cuenta, libro.conteo)
        total += cuenta
    fila += 1
    hoja.write_string(fila, 0, "TOTAL", libro.total_texto)
    if fila > primera:
        # Excel rows are 1-based: the counts are rows primera+1 .. fila.
        hoja.write_formula(fila, 1, f"=SUM(B{primera + 1}:B{fila})", libro.total_conteo, total)
    else:
        hoja.write_number(fila, 1, total, libro.total_conteo)
    return fila
