"""The printed page header of a report stays within Excel's 255 characters whatever the institution's
name and the office's time label: XlsxWriter drops a longer header whole, logo and all."""

from __future__ import annotations

import dataclasses
import io
import os
import warnings
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import openpyxl
import xlsxwriter

from app.core.config import get_settings
from app.institucion.identidad import institucion
from app.reportes.impresion import MAX_CABECERA, Impresion


@contextmanager
def ajuste(nombre: str, valor: str) -> Iterator[None]:
    antes = os.environ.get(nombre)
    os.environ[nombre] = valor
    get_settings.cache_clear()
    try:
        yield
    finally:
        if antes is None:
            os.environ.pop(nombre, None)
        else:
            os.environ[nombre] = antes
        get_settings.cache_clear()


def utf16(texto: str) -> int:
    return len(texto.encode("utf-16-le")) // 2


def test_a_long_name_with_ampersands_and_a_long_zone_label_keep_the_header_and_the_logo() -> None:
    nombre = ("Gobierno Regional & Municipalidad Provincial de Ejemplo " * 4)[:200]
    assert len(nombre) == 200 and "&" in nombre
    entidad = dataclasses.replace(institucion(), nombre=nombre)
    zona = "hora oficial del Perú & de la sede central de la institución, según el Instituto del Mar"
    with ajuste("TIMEZONE_LABEL", zona):
        impresion = Impresion(
            entidad,
            "Reporte de documentos & derivaciones " * 3,
            datetime(2026, 12, 6, 23, 44, tzinfo=UTC),
            12,
        )
    cabecera = impresion.cabecera
    assert utf16(cabecera) <= MAX_CABECERA and utf16(impresion.pie) <= MAX_CABECERA
    # Every '&' of a literal is doubled: after removing the codes, none is left alone.
    sin_codigos = cabecera.replace("&&", "")
    for codigo in ("&L", "&G", "&C", "&11", "&R", "&10", "&9", '&"-,Bold"', '&"-,Regular"'):
        sin_codigos = sin_codigos.replace(codigo, "")
    assert "&" not in sin_codigos, sin_codigos
    # The name is cut visibly, the date and the zone are there ("06/12/2026 18:44" in Lima).
    assert "Gobierno Regional && Municipalidad" in cabecera and "…" in cabecera
    assert "Generado el 06/12/2026 18:44 (hora oficial del Perú && de" in cabecera

    buffer = io.BytesIO()
    libro = xlsxwriter.Workbook(buffer, {"in_memory": True})
    hoja = libro.add_worksheet("Datos")
    hoja.write_string(0, 0, "Número de expediente")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # XlsxWriter warns (and drops the header) when it is too long
        impresion.preparar(hoja, encabezado_repetido=True)
    libro.close()

    leido = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))["Datos"]
    centro = leido.oddHeader.center.text or ""
    assert centro.startswith("Gobierno Regional && Municipalidad Provincial") and "RUC 20" in centro
    assert leido.oddHeader.right.text and "Generado el" in leido.oddHeader.right.text
    assert "Página" in (leido.oddFooter.center.text or "")
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archivo:
        nombres = archivo.namelist()
        hoja_xml = archivo.read("xl/worksheets/sheet1.xml").decode()
    assert "&amp;G" in hoja_xml and "legacyDrawingHF" in hoja_xml  # the logo is in the header
    assert any(n.startswith("xl/media/image") for n in nombres), nombres


def test_an_ordinary_header_is_whole() -> None:
    entidad = institucion()
    impresion = Impresion(entidad, "Reporte de vencidos", datetime(2026, 3, 2, 15, 0, tzinfo=UTC), None)
    assert f'"-,Bold"{entidad.nombre}\n' in impresion.cabecera
    assert "Generado el 02/03/2026 10:00 (hora de Lima)" in impresion.cabecera
    assert "Reporte N.º" not in impresion.pie
