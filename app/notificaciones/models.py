"""Email notifications: one row per event and recipient, so a task delivered twice sends once."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import Base, TimestampMixin, checked


class EstadoNotificacion(enum.StrEnum):
    PENDIENTE = "pendiente"
    ENVIADA = "enviada"
    FALLIDA = "fallida"
    OMITIDA = "omitida"  # no SMTP server configured: recorded, not sent


class Notificacion(TimestampMixin, Base):
    __tablename__ = "notificaciones"

    # The event and the recipient, e.g. `historial:123:maria@example.pe` or
    # `vencidos:2026-12-01:area-4:jefe@example.pe`: the primary key is the idempotency key.
    clave: Mapped[str] = mapped_column(String(400), primary_key=True)
    # No index: documents are never deleted by the application (docs/indexes.md, not indexed).
    documento_id: Mapped[int | None] = mapped_column(ForeignKey("documentos.id", ondelete="CASCADE"))
    destinatario: Mapped[str] = mapped_column(String(254))
    asunto: Mapped[str] = mapped_column(String(300))
    estado: Mapped[EstadoNotificacion] = mapped_column(checked(EstadoNotificacion, "estado_notificacion"))
    intentos: Mapped[int] = mapped_column(Integer, server_default="0")
    message_id: Mapped[str | None] = mapped_column(String(300))
    error: Mapped[str | None] = mapped_column(Text)
    enviada_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
