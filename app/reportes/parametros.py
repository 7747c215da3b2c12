"""A report's parameters as its summary tells them: Spanish labels, codes as words, dates as the
office writes them, and the catalog rows (areas, tipos, senders, users) by their names instead of
their ids (one small read per id given, at the end of the run)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.catalogos.models import Area, Procedimiento, TipoDocumento
from app.core.office_time import format_date
from app.documentos.etiquetas import CANAL, ESTADO_DERIVACION, ESTADO_DOCUMENTO, PRIORIDAD
from app.remitentes.models import Remitente
from app.reportes.models import TipoReporte
from app.usuarios.models import Usuario

# The order and the words of the summary's "Parámetros" table.
ETIQUETAS = {
    "fecha_desde": "Desde",
    "fecha_hasta": "Hasta",
    "estado": "Estado",
    "area_id": "Área",
    "area_origen_id": "Área de origen",
    "area_destino_id": "Área de destino",
    "tipo_documento_id": "Tipo de documento",
    "procedimiento_id": "Procedimiento",
    "remitente_id": "Remitente",
    "registrado_por_id": "Registrado por",
    "canal": "Canal",
    "prioridad": "Prioridad",
    "vencidos": "Solo vencidos",
    "q": "Búsqueda",
    "numero_documento": "Número de documento",
}
# Which date a report's range applies to.
RANGO = {
    TipoReporte.DOCUMENTOS: "fecha de recepción",
    TipoReporte.ESTADISTICAS: "fecha de recepción",
    TipoReporte.DERIVACIONES: "fecha de envío",
}
NOMBRES: dict[str, Any] = {
    "area_id": Area.nombre,
    "area_origen_id": Area.nombre,
    "area_destino_id": Area.nombre,
    "tipo_documento_id": TipoDocumento.nombre,
    "procedimiento_id": Procedimiento.nombre,
    "remitente_id": Remitente.nombre,
    "registrado_por_id": Usuario.nombre_completo,
}


def _palabras(tabla: Mapping[str, str], valor: Any) -> str:
    valores = valor if isinstance(valor, list) else [valor]
    return ", ".join(tabla.get(str(v), str(v)) for v in valores)


async def describir(
    session: AsyncSession, tipo: TipoReporte, parametros: Mapping[str, Any]
) -> list[tuple[str, str]]:
    """[(label, value)] in ETIQUETAS' order; an unknown parameter keeps its name."""
    filas: list[tuple[str, str]] = []
    orden = {nombre: indice for indice, nombre in enumerate(ETIQUETAS)}
    for nombre in sorted(parametros, key=lambda n: (orden.get(n, len(orden)), n)):
        valor = parametros[nombre]
        etiqueta = ETIQUETAS.get(nombre, nombre)
        if nombre in ("fecha_desde", "fecha_hasta"):
            texto = format_date(date.fromisoformat(str(valor)))
            etiqueta = f"{etiqueta} ({RANGO.get(tipo, 'fecha')})"
        elif nombre == "estado":
            texto = _palabras(
                ESTADO_DERIVACION if tipo is TipoReporte.DERIVACIONES else ESTADO_DOCUMENTO, valor
            )
        elif nombre == "prioridad":
            texto = _palabras(PRIORIDAD, valor)
        elif nombre == "canal":
            texto = _palabras(CANAL, valor)
        elif nombre == "vencidos":
            texto = "Sí" if valor else "No"
        elif nombre in NOMBRES:
            columna = NOMBRES[nombre]
            encontrado = await session.scalar(select(columna).where(columna.class_.id == int(valor)))
            texto = str(encontrado) if encontrado is not None else f"N.º {valor} (ya no existe)"
        elif isinstance(valor, list):
            texto = ", ".join(str(v) for v in valor)
        else:
            texto = str(valor)
        filas.append((etiqueta, texto))
    return filas
