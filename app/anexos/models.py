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
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import Base, IdMixin, TimestampMixin, checked

if TYPE_CHECKING:
    pass
from app.documentos.models import Documento


class EstadoProcesamiento(enum.StrEnum):
    PENDIENTE = "pendiente"
    PROCESADO = "procesado"
    FALLIDO = "fallido"


# Codes of `Anexo.alertas` (found by app.anexos.alertas) and their reasons, for people.
PDF_JAVASCRIPT = "pdf_javascript"
PDF_OPEN_ACTION = "pdf_open_action"
PDF_LAUNCH = "pdf_launch"
PDF_ADDITIONAL_ACTIONS = "pdf_additional_actions"
PDF_EMBEDDED_FILE = "pdf_embedded_file"
PDF_SCAN_INCOMPLETE = "pdf_scan_incomplete"
TRAILING_DATA = "trailing_data"
EMBEDDED_ZIP = "embedded_zip"
EMBEDDED_PDF = "embedded_pdf"
EMBEDDED_EXECUTABLE = "embedded_executable"

MOTIVOS: dict[str, str] = {
    PDF_JAVASCRIPT: "El PDF contiene JavaScript.",
    PDF_OPEN_ACTION: "El PDF ejecuta una acción al abrirse (/OpenAction).",
    PDF_LAUNCH: "El PDF intenta abrir otro programa o archivo (/Launch).",
    PDF_ADDITIONAL_ACTIONS: "El PDF tiene acciones automáticas asociadas a eventos (/AA).",
    PDF_EMBEDDED_FILE: "El PDF lleva archivos incrustados.",
    PDF_SCAN_INCOMPLETE: "El PDF es demasiado complejo para revisarlo por completo.",
    TRAILING_DATA: "El archivo tiene datos después de su marca de fin.",
    EMBEDDED_ZIP: "El archivo contiene además un archivo ZIP (archivo políglota).",
    EMBEDDED_PDF: "El archivo contiene además otro PDF después de su fin.",
    EMBEDDED_EXECUTABLE: "El archivo contiene además un programa ejecutable.",
}


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
    # Why the file must not be opened inline (codes of app.anexos.alertas), set by its processing:
    # NULL until it is processed (or when processing failed), empty when nothing was found.
    alertas: Mapped[list[str] | None] = mapped_column(ARRAY(String(40)))
    subido_por_id: Mapped[int | None] = mapped_column(ForeignKey("usuarios.id", ondelete="SET NULL"))

    documento: Mapped[Documento] = relationship(back_populates="anexos", lazy="raise")
