"""The /api/v1 router."""

from fastapi import APIRouter

from app.api.v1.mesa_partes import auth, catalogos, documentos, estadisticas, seguimiento, usuarios

api_router = APIRouter(prefix="/api/v1")
for module in (auth, documentos, seguimiento, catalogos, estadisticas, usuarios):
    api_router.include_router(module.router)
