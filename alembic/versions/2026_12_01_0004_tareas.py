"""Background work: the notification ledger and every delivery attempt of an integration.

`notificaciones` is keyed by event + recipient, so a notification task delivered twice finds its
row and sends nothing more; `integracion_envios.intentos_detalle` keeps each attempt of a delivery
(status code, error, duration) beside the counters. No secondary index is added (the count stays 51).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notificaciones",
        sa.Column("clave", sa.String(length=400), nullable=False),
        sa.Column("documento_id", sa.BigInteger(), nullable=True),
        sa.Column("destinatario", sa.String(length=254), nullable=False),
        sa.Column("asunto", sa.String(length=300), nullable=False),
        sa.Column(
            "estado",
            sa.Enum(
                "pendiente",
                "enviada",
                "fallida",
                "omitida",
                name="estado_notificacion",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("intentos", sa.Integer(), server_default="0", nullable=False),
        sa.Column("message_id", sa.String(length=300), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("enviada_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["documento_id"],
            ["documentos.id"],
            name=op.f("fk_notificaciones_documento_id_documentos"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("clave", name=op.f("pk_notificaciones")),
    )
    op.add_column(
        "integracion_envios",
        sa.Column(
            "intentos_detalle",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
    )


def downgrade() -> None:
    op.drop_column("integracion_envios", "intentos_detalle")
    op.drop_table("notificaciones")
