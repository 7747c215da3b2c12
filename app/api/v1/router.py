"""The /api/v1 router."""

from fastapi import APIRouter

from app.api.v1 import admin
from app.api.v1.mesa_partes import (
    auth,
    catalogos,
    derivaciones,
    documentos,
    estadisticas,
    historial,
    remitentes,
    seguimiento,
    usuarios,
)

api_router = APIRouter(prefix="/api/v1")
for module in (
    auth,
    documentos,
    derivaciones,
    historial,
    remitentes,
    seguimiento,
    catalogos,
    estadisticas,
    usuarios,
):
    api_router.include_router(module.router)
api_router.include_router(admin.router)
