"""What the tracking page says about a document: its words, times in office time and the deadline
in business days (días hábiles), ready for the template (`plantillas/resultado.html`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from app.core.office_time import (
    format_date,
    format_date_long,
    format_datetime,
    office_today,
    to_office,
    zone_label,
)
from app.documentos.etiquetas import ESTADO_DERIVACION, ESTADO_DOCUMENTO, EVENTO_HISTORIAL, palabra
from app.documentos.models import ESTADOS_ABIERTOS, EstadoDocumento
from app.documentos.plazos import dias_habiles_entre
from app.seguimiento.consulta import Expediente


@dataclass(frozen=True, slots=True)
class Momento:
    iso: str  # for <time datetime>, with the office's offset
    texto: str  # "06/12/2026 18:44"


@dataclass(frozen=True, slots=True)
class Paso:
    """One entry of the timeline."""

    fecha: datetime
    iso: str
    texto: str
    titulo: str
    detalle: str


@dataclass(frozen=True, slots=True)
class Plazo:
    fecha: str  # "lunes 7 de diciembre de 2026 (07/12/2026)", "" without a deadline
    iso: str
    mensaje: str
    vencido: bool


def momento(instante: datetime) -> Momento:
    return Momento(to_office(instante).isoformat(timespec="minutes"), format_datetime(instante))


def _dias(n: int) -> str:
    return f"{n} día hábil" if n == 1 else f"{n} días hábiles"


def plazo(expediente: Expediente, hoy: date) -> Plazo:
    """The deadline and, while the document is open, the business days left or overdue."""
    limite = expediente.fecha_limite
    if limite is None:
        return Plazo("", "", "Este trámite no tiene una fecha límite de atención.", vencido=False)
    fecha = f"{format_date_long(limite)} ({format_date(limite)})"
    if expediente.estado not in ESTADOS_ABIERTOS:
        if expediente.estado == EstadoDocumento.ATENDIDO and expediente.fecha_atencion is not None:
            mensaje = f"Atendido el {format_datetime(expediente.fecha_atencion)} ({zone_label()})."
        else:
            mensaje = "El trámite ya concluyó: el plazo no sigue corriendo."
        return Plazo(fecha, limite.isoformat(), mensaje, vencido=False)
    dias = dias_habiles_entre(hoy, limite)
    if limite == hoy:
        return Plazo(fecha, limite.isoformat(), "El plazo vence hoy.", vencido=False)
    if limite > hoy:
        queda = "Queda" if dias == 1 else "Quedan"
        return Plazo(fecha, limite.isoformat(), f"{queda} {_dias(dias)} para su atención.", vencido=False)
    if dias == 0:  # overdue since a deadline on the business day before a weekend or holiday
        return Plazo(
            fecha, limite.isoformat(), "El plazo venció sin que el trámite concluyera.", vencido=True
        )
    return Plazo(fecha, limite.isoformat(), f"Plazo vencido hace {_dias(-dias)}.", vencido=True)


def pasos(expediente: Expediente) -> list[Paso]:
    """The timeline, oldest first: the public events of the history and each routing (sent to an
    area, received there)."""
    entradas: list[tuple[datetime, str, str]] = [
        (e.fecha, palabra(EVENTO_HISTORIAL, e.evento), f"Área: {e.area}" if e.area else "")
        for e in expediente.eventos
    ]
    for ruta in expediente.rutas:
        copia = " (copia informativa)" if ruta.es_copia else ""
        estado = f"Estado de la derivación: {palabra(ESTADO_DERIVACION, ruta.estado)}"
        entradas.append((ruta.fecha_envio, f"Derivado a {ruta.area_destino}{copia}", estado))
        if ruta.fecha_recepcion is not None:
            entradas.append((ruta.fecha_recepcion, f"Recibido por {ruta.area_destino}{copia}", ""))
    entradas.sort(key=lambda entrada: entrada[0])
    resultado = []
    for fecha, titulo, detalle in entradas:
        cuando = momento(fecha)
        resultado.append(Paso(fecha, cuando.iso, cuando.texto, titulo, detalle))
    return resultado


def anexos(cantidad: int) -> str:
    if cantidad == 0:
        return "Sin anexos"
    return "1 anexo" if cantidad == 1 else f"{cantidad} anexos"


def contexto_resultado(expediente: Expediente, hoy: date | None = None) -> dict[str, Any]:
    return {
        "e": expediente,
        "estado": palabra(ESTADO_DOCUMENTO, expediente.estado),
        "recibido": momento(expediente.fecha_recepcion),
        "zona": zone_label(),
        "plazo": plazo(expediente, hoy or office_today()),
        "pasos": pasos(expediente),
        "anexos": anexos(expediente.anexos),
    }
