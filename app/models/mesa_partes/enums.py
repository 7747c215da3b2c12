"""Closed vocabularies of the office, stored as checked strings (no native PG enum to migrate)."""

from __future__ import annotations

import enum
from typing import Any

from sqlalchemy import Enum


class Rol(enum.StrEnum):
    ADMIN = "admin"
    MESA_PARTES = "mesa_partes"
    ESPECIALISTA = "especialista"
    AUDITOR = "auditor"


class TipoPersona(enum.StrEnum):
    NATURAL = "natural"
    JURIDICA = "juridica"


class TipoDocumentoIdentidad(enum.StrEnum):
    DNI = "DNI"
    RUC = "RUC"
    CE = "CE"
    PASAPORTE = "PASAPORTE"


class Canal(enum.StrEnum):
    PRESENCIAL = "presencial"
    VIRTUAL = "virtual"
    INTEROPERABILIDAD = "interoperabilidad"


class Prioridad(enum.StrEnum):
    BAJA = "baja"
    NORMAL = "normal"
    ALTA = "alta"
    URGENTE = "urgente"


class EstadoDocumento(enum.StrEnum):
    REGISTRADO = "registrado"
    DERIVADO = "derivado"
    RECIBIDO = "recibido"
    EN_PROCESO = "en_proceso"
    ATENDIDO = "atendido"
    ARCHIVADO = "archivado"
    OBSERVADO = "observado"
    ANULADO = "anulado"


# Documents that still run against their deadline.
ESTADOS_ABIERTOS = (
    EstadoDocumento.REGISTRADO,
    EstadoDocumento.DERIVADO,
    EstadoDocumento.RECIBIDO,
    EstadoDocumento.EN_PROCESO,
    EstadoDocumento.OBSERVADO,
)


class EstadoDerivacion(enum.StrEnum):
    PENDIENTE = "pendiente"
    RECIBIDA = "recibida"
    ATENDIDA = "atendida"
    DEVUELTA = "devuelta"
    ANULADA = "anulada"


class EventoHistorial(enum.StrEnum):
    REGISTRADO = "registrado"
    ACTUALIZADO = "actualizado"
    DERIVADO = "derivado"
    RECIBIDO = "recibido"
    EN_PROCESO = "en_proceso"
    ATENDIDO = "atendido"
    ARCHIVADO = "archivado"
    OBSERVADO = "observado"
    ANULADO = "anulado"
    ANEXO_AGREGADO = "anexo_agregado"
    ENVIADO_INTEGRACION = "enviado_integracion"


class EstadoProcesamiento(enum.StrEnum):
    PENDIENTE = "pendiente"
    PROCESADO = "procesado"
    FALLIDO = "fallido"


class TipoIntegracion(enum.StrEnum):
    WEBHOOK = "webhook"
    PIDE = "pide"


class EstadoEnvio(enum.StrEnum):
    PENDIENTE = "pendiente"
    ENVIANDO = "enviando"
    ENTREGADO = "entregado"
    FALLIDO = "fallido"


class EstadoNotificacion(enum.StrEnum):
    PENDIENTE = "pendiente"
    ENVIADA = "enviada"
    FALLIDA = "fallida"
    OMITIDA = "omitida"  # no SMTP server configured: recorded, not sent


class TipoReporte(enum.StrEnum):
    DOCUMENTOS = "documentos"
    DERIVACIONES = "derivaciones"
    VENCIDOS = "vencidos"
    ESTADISTICAS = "estadisticas"


class FormatoReporte(enum.StrEnum):
    XLSX = "xlsx"


class EstadoReporte(enum.StrEnum):
    PENDIENTE = "pendiente"
    PROCESANDO = "procesando"
    COMPLETADO = "completado"
    ERROR = "error"


def checked(enum_cls: type[enum.StrEnum], name: str) -> Enum:
    """A VARCHAR column limited by a CHECK constraint to the enum's values."""
    kwargs: dict[str, Any] = {
        "native_enum": False,
        "create_constraint": True,
        "length": 32,
        "name": name,
        "values_callable": lambda cls: [member.value for member in cls],
        "validate_strings": True,
    }
    return Enum(enum_cls, **kwargs)
