"""Statistics of the intake desk."""

from __future__ import annotations

from pydantic import BaseModel


class Conteo(BaseModel):
    clave: str
    total: int


class Estadisticas(BaseModel):
    total: int
    por_estado: list[Conteo]
    por_area: list[Conteo]
    por_tipo: list[Conteo]
    por_mes: list[Conteo]
    vencidos: int
    tiempo_medio_atencion_dias: float | None
