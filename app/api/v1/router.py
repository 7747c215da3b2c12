"""The /api/v1 router."""

from fastapi import APIRouter

from app.api.v1 import admin
from app.api.v1.mesa_partes import (
    anexos,
    auth,
    catalogos,
    derivaciones,
    documentos,
    estadisticas,
    historial,
    integraciones,
    remitentes,
    reportes,
    seguimiento,
    usuarios,
)

api_router = APIRouter(prefix="/api/v1")
for module in (
    auth,
    documentos,
    anexos,
    derivaciones,
    historial,
    remitentes,
    seguimiento,
    catalogos,
    estadisticas,
    usuarios,
    reportes,
    integraciones,
):
    api_router.include_router(module.router)
api_router.include_router(admin.router)
