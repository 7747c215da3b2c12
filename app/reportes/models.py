"""Report jobs: the durable state of an Excel report, whatever the task queue remembers."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import Base, IdMixin, TimestampMixin, checked


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


class Reporte(IdMixin, TimestampMixin, Base):
    __tablename__ = "reportes"
    __table_args__ = (
        Index("ix_reportes_solicitante_fecha", "solicitado_por_id", text("created_at DESC")),
        Index(None, "task_id"),
        Index(
            "ix_reportes_activos",
            "created_at",
            postgresql_where=text("estado IN ('pendiente', 'procesando')"),
        ),
    )

    tipo: Mapped[TipoReporte] = mapped_column(checked(TipoReporte, "tipo_reporte"))
    parametros: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    formato: Mapped[FormatoReporte] = mapped_column(
        checked(FormatoReporte, "formato_reporte"), server_default=FormatoReporte.XLSX.value
    )
    estado: Mapped[EstadoReporte] = mapped_column(checked(EstadoReporte, "estado_reporte"))
    task_id: Mapped[str | None] = mapped_column(String(64))
    ruta_archivo: Mapped[str | None] = mapped_column(String(500))
    filas: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    solicitado_por_id: Mapped[int] = mapped_column(ForeignKey("usuarios.id", ondelete="RESTRICT"))
    iniciado_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finalizado_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The lease of the run that took it (app/reportes/lease.py): renewed while that run lives.
    lease_hasta: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Runs that took it so far; also the fencing token of the current run (revision 0008).
    intentos: Mapped[int] = mapped_column(Integer, server_default="0")
