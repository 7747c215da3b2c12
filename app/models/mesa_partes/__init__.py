"""Every model of the domain, imported so that the metadata is complete (Alembic, tests)."""

from app.models.mesa_partes.catalogo import Area, Indicacion, Moneda, Pais, Procedimiento, TipoDocumento
from app.models.mesa_partes.derivacion import Derivacion
from app.models.mesa_partes.documento import Anexo, Documento, ExpedienteCorrelativo, Historial
from app.models.mesa_partes.integracion import Integracion, IntegracionEnvio
from app.models.mesa_partes.notificacion import Notificacion
from app.models.mesa_partes.remitente import Remitente
from app.models.mesa_partes.reporte import Reporte
from app.models.mesa_partes.usuario import Usuario

__all__ = [
    "Anexo",
    "Area",
    "Derivacion",
    "Documento",
    "ExpedienteCorrelativo",
    "Historial",
    "Indicacion",
    "Integracion",
    "IntegracionEnvio",
    "Moneda",
    "Notificacion",
    "Pais",
    "Procedimiento",
    "Remitente",
    "Reporte",
    "TipoDocumento",
    "Usuario",
]
