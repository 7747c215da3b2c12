"""Staff accounts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, String, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, IdMixin, TimestampMixin
from app.models.mesa_partes.catalogo import Area
from app.models.mesa_partes.enums import Rol, checked


class Usuario(IdMixin, TimestampMixin, Base):
    __tablename__ = "usuarios"

    username: Mapped[str] = mapped_column(String(50), unique=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    nombre_completo: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    rol: Mapped[Rol] = mapped_column(checked(Rol, "rol"))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="RESTRICT"))
    activo: Mapped[bool] = mapped_column(Boolean, server_default=true())
    ultimo_acceso: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    area: Mapped[Area | None] = relationship(lazy="raise")
