"""The words people read for the codes a document's journey is stored with (pages, receipts, emails
and reports show these; the API and the database keep the codes)."""

from __future__ import annotations

from enum import StrEnum

from app.derivaciones.models import EstadoDerivacion
from app.documentos.models import Canal, EstadoDocumento, EventoHistorial, Prioridad

ESTADO_DOCUMENTO: dict[str, str] = {
    EstadoDocumento.REGISTRADO: "Registrado",
    EstadoDocumento.DERIVADO: "Derivado",
    EstadoDocumento.RECIBIDO: "Recibido",
    EstadoDocumento.EN_PROCESO: "En proceso",
    EstadoDocumento.ATENDIDO: "Atendido",
    EstadoDocumento.ARCHIVADO: "Archivado",
    EstadoDocumento.OBSERVADO: "Observado",
    EstadoDocumento.ANULADO: "Anulado",
}

ESTADO_DERIVACION: dict[str, str] = {
    EstadoDerivacion.PENDIENTE: "Pendiente de recepción",
    EstadoDerivacion.RECIBIDA: "Recibida",
    EstadoDerivacion.ATENDIDA: "Atendida",
    EstadoDerivacion.DEVUELTA: "Devuelta",
    EstadoDerivacion.ANULADA: "Anulada",
}

PRIORIDAD: dict[str, str] = {
    Prioridad.BAJA: "Baja",
    Prioridad.NORMAL: "Normal",
    Prioridad.ALTA: "Alta",
    Prioridad.URGENTE: "Urgente",
}

CANAL: dict[str, str] = {
    Canal.PRESENCIAL: "Presencial",
    Canal.VIRTUAL: "Virtual",
    Canal.INTEROPERABILIDAD: "Interoperabilidad",
}

EVENTO_HISTORIAL: dict[str, str] = {
    EventoHistorial.REGISTRADO: "Documento registrado",
    EventoHistorial.ACTUALIZADO: "Datos actualizados",
    EventoHistorial.DERIVADO: "Derivado a otra área",
    EventoHistorial.RECIBIDO: "Recibido por el área",
    EventoHistorial.EN_PROCESO: "En proceso de atención",
    EventoHistorial.ATENDIDO: "Atendido",
    EventoHistorial.ARCHIVADO: "Archivado",
    EventoHistorial.OBSERVADO: "Observado",
    EventoHistorial.ANULADO: "Anulado",
    EventoHistorial.ANEXO_AGREGADO: "Anexo agregado",
    EventoHistorial.ENVIADO_INTEGRACION: "Enviado a un sistema externo",
}


def palabra(etiquetas: dict[str, str], codigo: str | StrEnum | None) -> str:
    """The word for `codigo`; an unknown code is shown as it is rather than hidden."""
    if codigo is None:
        return ""
    return etiquetas.get(str(codigo), str(codigo))


def procedimiento(codigo: str, nombre: str) -> str:
    """A TUPA procedure as people read it: "TUPA-001 — Acceso a la información pública"."""
    return f"{codigo} — {nombre}"
