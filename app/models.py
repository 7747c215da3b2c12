"""Every table of the application, imported so that the metadata and the mappers are complete
(Alembic, the CLI, tests): a domain's models module imports only what its relationships need."""

from app.anexos.models import Anexo
from app.catalogos.models import Area, Indicacion, Moneda, Pais, Procedimiento, TipoDocumento
from app.derivaciones.models import Derivacion
from app.documentos.models import Documento, ExpedienteCorrelativo, Historial
from app.estadisticas.models import (
    EstadisticaArea,
    EstadisticaDelta,
    EstadisticaEstado,
    EstadisticaPlazo,
    EstadisticaTipo,
)
from app.integraciones.models import Integracion, IntegracionEnvio
from app.notificaciones.models import Notificacion
from app.remitentes.models import Remitente
from app.reportes.models import Reporte
from app.usuarios.models import Usuario

__all__ = [
    "Anexo",
    "Area",
    "Derivacion",
    "Documento",
    "EstadisticaArea",
    "EstadisticaDelta",
    "EstadisticaEstado",
    "EstadisticaPlazo",
    "EstadisticaTipo",
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
