"""Staff accounts."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.catalogos.models import Area
from app.core.models import Base, IdMixin, TimestampMixin, checked


class Rol(enum.StrEnum):
    ADMIN = "admin"
    MESA_PARTES = "mesa_partes"
    ESPECIALISTA = "especialista"
    AUDITOR = "auditor"


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
    # Raised by a change that must end the account's sessions (usuarios.principal.sello_de).
    version_sesion: Mapped[int] = mapped_column(Integer, server_default="0")

    area: Mapped[Area | None] = relationship(lazy="raise")
