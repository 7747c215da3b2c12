"""Excel reports: the request (a type and its parameters), the accepted job and its status."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from app.core.schemas import TEXT_PATTERN, Booleano, Fecha, Id, ReadSchema, WriteSchema
from app.derivaciones.models import EstadoDerivacion
from app.documentos.models import Canal, EstadoDocumento, Prioridad
from app.reportes.models import EstadoReporte, FormatoReporte, TipoReporte

Busqueda = Annotated[str, Field(min_length=2, max_length=200, pattern=TEXT_PATTERN)]
Fragmento = Annotated[str, Field(min_length=3, max_length=100, pattern=TEXT_PATTERN)]


class _RangoDeFechas(WriteSchema):
    fecha_desde: Fecha | None = None
    fecha_hasta: Fecha | None = None

    @model_validator(mode="after")
    def _rango_ordenado(self) -> Self:
        # Checked here, at the request, rather than failing in the worker minutes later.
        if self.fecha_desde and self.fecha_hasta and self.fecha_desde > self.fecha_hasta:
            raise PydanticCustomError("rango", "La fecha_desde no puede ser posterior a la fecha_hasta.", {})
        return self


class ParametrosDocumentos(_RangoDeFechas):
    """The filters of GET /documentos, with the same meaning."""

    # The API document's description (the docstring's, for people).
    model_config = ConfigDict(
        json_schema_extra={"description": "Los filtros de GET /documentos, con el mismo significado."}
    )

    estado: Annotated[list[EstadoDocumento], Field(max_length=len(EstadoDocumento))] | None = None
    area_id: Id | None = None
    tipo_documento_id: Id | None = None
    remitente_id: Id | None = None
    procedimiento_id: Id | None = None
    registrado_por_id: Id | None = None
    canal: Canal | None = None
    prioridad: Annotated[list[Prioridad], Field(max_length=len(Prioridad))] | None = None
    vencidos: Booleano | None = None
    q: Busqueda | None = Field(default=None, description="Búsqueda de texto, como en GET /documentos?q=")
    numero_documento: Fragmento | None = None


class ParametrosDerivaciones(_RangoDeFechas):
    """Routings by destination, origin, state and sending date."""

    model_config = ConfigDict(
        json_schema_extra={
            "description": "Derivaciones por área de destino, de origen, estado y fecha de envío."
        }
    )

    area_destino_id: Id | None = None
    area_origen_id: Id | None = None
    estado: Annotated[list[EstadoDerivacion], Field(max_length=len(EstadoDerivacion))] | None = None


class ParametrosVencidos(WriteSchema):
    """Open documents past their deadline, optionally of one area; most overdue first."""

    model_config = ConfigDict(
        json_schema_extra={
            "description": "Documentos abiertos con el plazo vencido, de un área si se indica; los más "
            "atrasados primero."
        }
    )

    area_id: Id | None = None


class ParametrosEstadisticas(_RangoDeFechas):
    """The aggregates of GET /estadisticas over a reception-date range."""

    model_config = ConfigDict(
        json_schema_extra={
            "description": "Las cifras de GET /estadisticas en un rango de fechas de recepción."
        }
    )


class _ReporteCreate(WriteSchema):
    def parametros_json(self) -> dict[str, Any]:
        """What is stored in `reportes.parametros`: the given values only, JSON-ready."""
        parametros: BaseModel = getattr(self, "parametros")  # noqa: B009 - every subclass has one
        return parametros.model_dump(mode="json", exclude_none=True)


class ReporteDocumentosCreate(_ReporteCreate):
    tipo: Literal[TipoReporte.DOCUMENTOS]
    parametros: ParametrosDocumentos = Field(default_factory=ParametrosDocumentos)


class ReporteDerivacionesCreate(_ReporteCreate):
    tipo: Literal[TipoReporte.DERIVACIONES]
    parametros: ParametrosDerivaciones = Field(default_factory=ParametrosDerivaciones)


class ReporteVencidosCreate(_ReporteCreate):
    tipo: Literal[TipoReporte.VENCIDOS]
    parametros: ParametrosVencidos = Field(default_factory=ParametrosVencidos)


class ReporteEstadisticasCreate(_ReporteCreate):
    tipo: Literal[TipoReporte.ESTADISTICAS]
    parametros: ParametrosEstadisticas = Field(default_factory=ParametrosEstadisticas)


ReporteCreate = Annotated[
    ReporteDocumentosCreate | ReporteDerivacionesCreate | ReporteVencidosCreate | ReporteEstadisticasCreate,
    Field(discriminator="tipo"),
]
# Examples of POST /reportes, one per type (the body is a union: they go on the operation). Catalog
# ids are the demo data set's: área 9 = OAJ, 18 = OAC (app/ops/seed/catalog_data.py;
# tests/test_openapi_ejemplos.py checks them).
_EJEMPLOS: dict[str, tuple[str, dict[str, Any]]] = {
    "documentos": (
        "Documentos de un área en un mes",
        {
            "tipo": "documentos",
            "parametros": {
                "fecha_desde": "2026-11-01",
                "fecha_hasta": "2026-11-30",
                "area_id": 9,
                "estado": ["registrado", "derivado", "recibido"],
            },
        },
    ),
    "derivaciones": (
        "Derivaciones pendientes hacia un área",
        {"tipo": "derivaciones", "parametros": {"area_destino_id": 18, "estado": ["pendiente"]}},
    ),
    "vencidos": ("Documentos vencidos de un área", {"tipo": "vencidos", "parametros": {"area_id": 18}}),
    "estadisticas": (
        "Estadísticas de un año",
        {"tipo": "estadisticas", "parametros": {"fecha_desde": "2026-01-01", "fecha_hasta": "2026-12-31"}},
    ),
}
EJEMPLOS_REPORTE: dict[str, Any] = {
    "requestBody": {
        "content": {
            "application/json": {
                "examples": {
                    nombre: {"summary": resumen, "value": valor}
                    for nombre, (resumen, valor) in _EJEMPLOS.items()
                }
            }
        }
    }
}
PARAMETROS: dict[TipoReporte, type[WriteSchema]] = {
    TipoReporte.DOCUMENTOS: ParametrosDocumentos,
    TipoReporte.DERIVACIONES: ParametrosDerivaciones,
    TipoReporte.VENCIDOS: ParametrosVencidos,
    TipoReporte.ESTADISTICAS: ParametrosEstadisticas,
}


class ReporteLinks(BaseModel):
    estado: str = Field(description="GET: el estado y el avance del reporte")
    descarga: str = Field(description="GET: el archivo, cuando `estado` es `completado`")


class ReporteAceptado(BaseModel):
    reporte_id: int
    task_id: str
    estado: EstadoReporte
    links: ReporteLinks


class Reporte(ReadSchema):
    id: int
    tipo: TipoReporte
    parametros: dict[str, Any]
    formato: FormatoReporte
    estado: EstadoReporte
    task_id: str | None
    filas: int | None = Field(description="Filas de datos escritas hasta ahora (todas, una vez completado)")
    error: str | None
    solicitado_por_id: int
    created_at: datetime
    iniciado_at: datetime | None
    finalizado_at: datetime | None
    segundos: float | None = Field(
        default=None, description="Duración: hasta finalizado_at, o hasta ahora mientras se procesa"
    )
    links: ReporteLinks | None = None


class ReporteLista(BaseModel):
    items: list[Reporte]
    page_size: int
    has_more: bool
