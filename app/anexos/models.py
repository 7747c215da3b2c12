"""An attached file of a document; its bytes live on disk under the storage directory."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import Base, IdMixin, TimestampMixin, checked

if TYPE_CHECKING:
    pass
from app.documentos.models import Documento


class EstadoProcesamiento(enum.StrEnum):
    PENDIENTE = "pendiente"
    PROCESADO = "procesado"
    FALLIDO = "fallido"


class Anexo(IdMixin, TimestampMixin, Base):
    """An attached file; the bytes live on disk under the storage directory."""

    __tablename__ = "anexos"
    __table_args__ = (
        CheckConstraint("tamano_bytes >= 0", name="tamano_no_negativo"),
        Index(None, "documento_id"),
        Index(None, "sha256"),
        Index(
            "ix_anexos_pendientes",
            "created_at",
            postgresql_where=text("estado_procesamiento = 'pendiente'"),
        ),
    )

    documento_id: Mapped[int] = mapped_column(ForeignKey("documentos.id", ondelete="CASCADE"))
    nombre_archivo: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str | None] = mapped_column(String(100))
    tamano_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))
    ruta: Mapped[str] = mapped_column(String(500))
    paginas: Mapped[int | None] = mapped_column(Integer)
    estado_procesamiento: Mapped[EstadoProcesamiento] = mapped_column(
        checked(EstadoProcesamiento, "estado_procesamiento"),
        server_default=EstadoProcesamiento.PENDIENTE.value,
    )
    error: Mapped[str | None] = mapped_column(Text)
    subido_por_id: Mapped[int | None] = mapped_column(ForeignKey("usuarios.id", ondelete="SET NULL"))

    documento: Mapped[Documento] = relationship(back_populates="anexos", lazy="raise")
