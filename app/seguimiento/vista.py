"""What the tracking pages say: a document's words, times in office time and the deadline in
business days (días hábiles), ready for the template (`plantillas/resultado.html`); the form's
checks and messages; how long to wait, in words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from app.core.office_time import (
    format_date,
    format_date_long,
    format_datetime,
    format_datetime_zone,
    office_today,
    to_office,
    zone_label,
)
from app.documentos.etiquetas import (
    ESTADO_DERIVACION,
    ESTADO_DOCUMENTO,
    EVENTO_HISTORIAL,
    palabra,
    procedimiento,
)
from app.documentos.models import ESTADOS_ABIERTOS, EstadoDocumento
from app.documentos.plazo_legal import texto_dias_habiles
from app.documentos.plazos import dias_habiles_entre
from app.seguimiento.consulta import NO_ENCONTRADO, Expediente
from app.seguimiento.schemas import CODIGO_MAX, CODIGO_MIN, CODIGO_VERIFICACION, NUMERO_EXPEDIENTE

ERROR_NUMERO = "Escriba el número de expediente como figura en su cargo, por ejemplo 2026-000123."
ERROR_CODIGO = (
    f"Escriba el código de verificación de su cargo: de {CODIGO_MIN} a {CODIGO_MAX} letras o números, "
    "sin espacios."
)
# A closed document's deadline no longer runs: what happened instead, per state.
_CONCLUIDO: dict[str, str] = {
    EstadoDocumento.ATENDIDO: "El trámite fue atendido.",
    EstadoDocumento.ARCHIVADO: "El trámite fue archivado.",
    EstadoDocumento.ANULADO: "El trámite fue anulado.",
}


@dataclass(frozen=True, slots=True)
class Momento:
    iso: str  # for <time datetime>, with the office's offset
    texto: str  # "06/12/2026 18:44"
    con_zona: str  # "06/12/2026 18:44 (hora de Lima)"


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
    return Momento(
        to_office(instante).isoformat(timespec="minutes"),
        format_datetime(instante),
        format_datetime_zone(instante),
    )


def plazo(expediente: Expediente, hoy: date) -> Plazo:
    """The deadline and, while the document is open, the business days left or overdue."""
    limite = expediente.fecha_limite
    if limite is None:
        return Plazo("", "", "Este trámite no tiene una fecha límite de atención.", vencido=False)
    fecha = f"{format_date_long(limite)} ({format_date(limite)})"
    if expediente.estado not in ESTADOS_ABIERTOS:
        if expediente.estado == EstadoDocumento.ATENDIDO and expediente.fecha_atencion is not None:
            mensaje = f"Atendido el {format_datetime_zone(expediente.fecha_atencion)}."
        else:
            mensaje = _CONCLUIDO.get(expediente.estado, "El trámite concluyó.")
        return Plazo(fecha, limite.isoformat(), mensaje, vencido=False)
    dias = dias_habiles_entre(hoy, limite)
    if limite == hoy:
        return Plazo(fecha, limite.isoformat(), "El plazo vence hoy.", vencido=False)
    if limite > hoy:
        queda = "Queda" if dias == 1 else "Quedan"
        return Plazo(
            fecha, limite.isoformat(), f"{queda} {texto_dias_habiles(dias)} para su atención.", vencido=False
        )
    if dias == 0:  # overdue since a deadline on the business day before a weekend or holiday
        return Plazo(
            fecha, limite.isoformat(), "El plazo venció sin que el trámite concluyera.", vencido=True
        )
    return Plazo(fecha, limite.isoformat(), f"Plazo vencido hace {texto_dias_habiles(-dias)}.", vencido=True)


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
    codigo, nombre = expediente.procedimiento_codigo, expediente.procedimiento_nombre
    return {
        "e": expediente,
        "estado": palabra(ESTADO_DOCUMENTO, expediente.estado),
        "procedimiento": procedimiento(codigo, nombre) if codigo and nombre else "",
        "recibido": momento(expediente.fecha_recepcion),
        "zona": zone_label(),
        "plazo": plazo(expediente, hoy or office_today()),
        "pasos": pasos(expediente),
        "anexos": anexos(expediente.anexos),
    }


def contexto_no_encontrado(numero: str) -> dict[str, Any]:
    """The form again, the number kept for the person to check, the code to be typed again."""
    return {"numero": numero, "codigo": "", "errores": {}, "mensaje": NO_ENCONTRADO}


def errores(numero: str, codigo: str) -> dict[str, str]:
    """The form's message per malformed field (the JSON endpoint's rules, `schemas`)."""
    mensajes = {}
    if not NUMERO_EXPEDIENTE.fullmatch(numero):
        mensajes["numero"] = ERROR_NUMERO
    if not CODIGO_VERIFICACION.fullmatch(codigo):
        mensajes["codigo"] = ERROR_CODIGO
    return mensajes


def eco(valor: str) -> str:
    """What the person typed, shown back in the form: printable characters, at most 40."""
    return "".join(c for c in valor if c.isprintable())[:40]


def espera(segundos: int) -> str:
    """A Retry-After in words: "30 segundos", "2 minutos"."""
    if segundos < 60:
        return f"{segundos} segundo{'s' if segundos != 1 else ''}"
    minutos = -(-segundos // 60)
    return f"{minutos} minuto{'s' if minutos != 1 else ''}"
