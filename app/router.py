"""The /api/v1 router: every domain's router, in the order the API document lists them."""

from app.anexos.router import router as anexos
from app.cargos.router import router as cargos
from app.catalogos.router import router as catalogos
from app.core.routing import PrefixRouter, include
from app.derivaciones.router import router as derivaciones
from app.documentos.historial_router import router as historial
from app.documentos.router import router as documentos
from app.estadisticas.router import router as estadisticas
from app.integraciones.router import router as integraciones
from app.ops.router import router as admin
from app.remitentes.router import router as remitentes
from app.reportes.router import router as reportes
from app.seguimiento.router import router as seguimiento
from app.usuarios.auth_router import router as auth
from app.usuarios.router import router as usuarios

api_router = PrefixRouter(prefix="/api/v1")
for router in (
    auth,
    documentos,
    anexos,
    cargos,
    derivaciones,
    historial,
    remitentes,
    seguimiento,
    catalogos,
    estadisticas,
    usuarios,
    reportes,
    integraciones,
    admin,
):
    include(api_router, router)
