"""Secondary indexes: the performance indexes listed in docs/indexes.md.

All 51 secondary indexes of the `public` schema: the unique constraints (integrity) first, then
the performance indexes. Kept in a revision of their own so that they can be dropped and recreated.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_STATES = "estado IN ('registrado', 'derivado', 'recibido', 'en_proceso', 'observado')"


def upgrade() -> None:
    op.create_unique_constraint(op.f("uq_areas_codigo"), "areas", ["codigo"])
    op.create_unique_constraint(op.f("uq_indicaciones_codigo"), "indicaciones", ["codigo"])
    op.create_unique_constraint(op.f("uq_integraciones_codigo"), "integraciones", ["codigo"])
    op.create_unique_constraint(op.f("uq_tipos_documento_codigo"), "tipos_documento", ["codigo"])
    op.create_unique_constraint(op.f("uq_procedimientos_codigo"), "procedimientos", ["codigo"])
    op.create_unique_constraint(
        op.f("uq_remitentes_identidad"),
        "remitentes",
        ["numero_documento_identidad", "tipo_documento_identidad"],
    )
    op.create_unique_constraint(op.f("uq_usuarios_email"), "usuarios", ["email"])
    op.create_unique_constraint(op.f("uq_usuarios_username"), "usuarios", ["username"])
    op.create_unique_constraint(op.f("uq_documentos_numero_expediente"), "documentos", ["numero_expediente"])
    op.create_unique_constraint(
        op.f("uq_integracion_envios_integracion_id_documento_id"),
        "integracion_envios",
        ["integracion_id", "documento_id"],
    )
    op.create_index(
        "ix_remitentes_nombre_trgm",
        "remitentes",
        ["nombre"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"nombre": "gin_trgm_ops"},
    )
    op.create_index(
        "ix_documentos_area_estado_fecha",
        "documentos",
        ["area_actual_id", "estado", sa.literal_column("fecha_recepcion DESC"), sa.literal_column("id DESC")],
        unique=False,
    )
    op.create_index(
        "ix_documentos_area_fecha",
        "documentos",
        ["area_actual_id", sa.literal_column("fecha_recepcion DESC"), sa.literal_column("id DESC")],
        unique=False,
    )
    op.create_index(
        "ix_documentos_atendidos",
        "documentos",
        ["fecha_atencion"],
        unique=False,
        postgresql_where=sa.text("fecha_atencion IS NOT NULL"),
    )
    op.create_index(
        "ix_documentos_busqueda", "documentos", ["busqueda"], unique=False, postgresql_using="gin"
    )
    op.create_index(
        "ix_documentos_canal_fecha",
        "documentos",
        ["canal", sa.literal_column("fecha_recepcion DESC")],
        unique=False,
    )
    op.create_index(
        "ix_documentos_estado_fecha",
        "documentos",
        ["estado", sa.literal_column("fecha_recepcion DESC"), sa.literal_column("id DESC")],
        unique=False,
    )
    op.create_index(
        "ix_documentos_fecha_recepcion_id",
        "documentos",
        [sa.literal_column("fecha_recepcion DESC"), sa.literal_column("id DESC")],
        unique=False,
    )
    op.create_index(
        op.f("ix_documentos_idempotency_key"),
        "documentos",
        ["idempotency_key"],
        unique=True,
        postgresql_where=sa.text("idempotency_key IS NOT NULL"),
    )
    op.create_index(
        "ix_documentos_numero_documento_trgm",
        "documentos",
        ["numero_documento"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"numero_documento": "gin_trgm_ops"},
    )
    op.create_index(
        "ix_documentos_prioritarios",
        "documentos",
        [sa.literal_column("fecha_recepcion DESC"), sa.literal_column("id DESC")],
        unique=False,
        postgresql_where=sa.text(
            "prioridad IN ('alta', 'urgente') AND estado IN ('registrado', 'derivado', 'recibido', 'en_proceso', 'observado')"
        ),
    )
    # Open documents newest first: the desk's pending tray and, per area, an area's overdue tray.
    op.create_index(
        "ix_documentos_abiertos",
        "documentos",
        [sa.literal_column("fecha_recepcion DESC"), sa.literal_column("id DESC")],
        unique=False,
        postgresql_where=sa.text(OPEN_STATES),
    )
    op.create_index(
        "ix_documentos_area_abiertos",
        "documentos",
        ["area_actual_id", sa.literal_column("fecha_recepcion DESC"), sa.literal_column("id DESC")],
        unique=False,
        postgresql_where=sa.text(OPEN_STATES),
    )
    op.create_index(
        "ix_documentos_procedimiento_fecha",
        "documentos",
        ["procedimiento_id", sa.literal_column("fecha_recepcion DESC"), sa.literal_column("id DESC")],
        unique=False,
    )
    op.create_index(
        "ix_documentos_registrado_por_fecha",
        "documentos",
        ["registrado_por_id", sa.literal_column("fecha_recepcion DESC")],
        unique=False,
    )
    op.create_index(
        "ix_documentos_remitente_fecha",
        "documentos",
        ["remitente_id", sa.literal_column("fecha_recepcion DESC")],
        unique=False,
    )
    op.create_index(
        "ix_documentos_tipo_fecha",
        "documentos",
        ["tipo_documento_id", sa.literal_column("fecha_recepcion DESC")],
        unique=False,
    )
    op.create_index(
        "ix_documentos_vencimiento",
        "documentos",
        ["fecha_limite"],
        unique=False,
        postgresql_where=sa.text(
            "estado IN ('registrado', 'derivado', 'recibido', 'en_proceso', 'observado')"
        ),
    )
    op.create_index(
        "ix_reportes_activos",
        "reportes",
        ["created_at"],
        unique=False,
        postgresql_where=sa.text("estado IN ('pendiente', 'procesando')"),
    )
    op.create_index(
        "ix_reportes_solicitante_fecha",
        "reportes",
        ["solicitado_por_id", sa.literal_column("created_at DESC")],
        unique=False,
    )
    op.create_index(op.f("ix_reportes_task_id"), "reportes", ["task_id"], unique=False)
    op.create_index(op.f("ix_anexos_documento_id"), "anexos", ["documento_id"], unique=False)
    op.create_index(
        "ix_anexos_pendientes",
        "anexos",
        ["created_at"],
        unique=False,
        postgresql_where=sa.text("estado_procesamiento = 'pendiente'"),
    )
    op.create_index(op.f("ix_anexos_sha256"), "anexos", ["sha256"], unique=False)
    op.create_index(
        op.f("ix_derivaciones_area_destino_id_documento_id"),
        "derivaciones",
        ["area_destino_id", "documento_id"],
        unique=False,
    )
    op.create_index(
        "ix_derivaciones_area_origen_fecha",
        "derivaciones",
        ["area_origen_id", sa.literal_column("fecha_envio DESC"), sa.literal_column("id DESC")],
        unique=False,
    )
    op.create_index(
        "ix_derivaciones_bandeja",
        "derivaciones",
        ["area_destino_id", "estado", sa.literal_column("fecha_envio DESC")],
        unique=False,
    )
    op.create_index(
        op.f("ix_derivaciones_documento_id_fecha_envio"),
        "derivaciones",
        ["documento_id", "fecha_envio"],
        unique=False,
    )
    for column in ("enviado_por_id", "recibido_por_id", "indicacion_id"):
        op.create_index(
            f"ix_derivaciones_{column.removesuffix('_id')}_fecha",
            "derivaciones",
            [column, sa.literal_column("fecha_envio DESC"), sa.literal_column("id DESC")],
            unique=False,
        )
    op.create_index(op.f("ix_derivaciones_fecha_envio"), "derivaciones", ["fecha_envio"], unique=False)
    op.create_index(
        "ix_derivaciones_destino_fecha",
        "derivaciones",
        ["area_destino_id", sa.literal_column("fecha_envio DESC"), sa.literal_column("id DESC")],
        unique=False,
    )
    op.create_index(
        "ix_derivaciones_vencimiento",
        "derivaciones",
        [sa.literal_column("fecha_envio DESC"), sa.literal_column("id DESC")],
        unique=False,
        postgresql_where=sa.text("estado IN ('pendiente', 'recibida') AND fecha_limite IS NOT NULL"),
    )
    op.create_index(
        "ix_historial_area_id_created_at",
        "historial",
        ["area_id", sa.literal_column("created_at DESC"), sa.literal_column("id DESC")],
        unique=False,
    )
    op.create_index(
        "ix_historial_created_at_id",
        "historial",
        [sa.literal_column("created_at DESC"), sa.literal_column("id DESC")],
        unique=False,
    )
    op.create_index(
        op.f("ix_historial_documento_id_created_at"),
        "historial",
        ["documento_id", "created_at"],
        unique=False,
    )
    op.create_index(
        "ix_historial_evento_created_at",
        "historial",
        ["evento", sa.literal_column("created_at DESC"), sa.literal_column("id DESC")],
        unique=False,
    )
    op.create_index(
        "ix_historial_usuario_id_created_at",
        "historial",
        ["usuario_id", sa.literal_column("created_at DESC"), sa.literal_column("id DESC")],
        unique=False,
    )
    op.create_index(
        op.f("ix_integracion_envios_documento_id"), "integracion_envios", ["documento_id"], unique=False
    )
    op.create_index(
        "ix_integracion_envios_pendientes",
        "integracion_envios",
        ["proximo_intento"],
        unique=False,
        postgresql_where=sa.text("estado IN ('pendiente', 'fallido')"),
    )


def downgrade() -> None:
    op.drop_constraint(op.f("uq_areas_codigo"), "areas", type_="unique")
    op.drop_constraint(op.f("uq_indicaciones_codigo"), "indicaciones", type_="unique")
    op.drop_constraint(op.f("uq_integraciones_codigo"), "integraciones", type_="unique")
    op.drop_constraint(op.f("uq_tipos_documento_codigo"), "tipos_documento", type_="unique")
    op.drop_constraint(op.f("uq_procedimientos_codigo"), "procedimientos", type_="unique")
    op.drop_constraint(
        op.f("uq_remitentes_identidad"),
        "remitentes",
        type_="unique",
    )
    op.drop_constraint(op.f("uq_usuarios_email"), "usuarios", type_="unique")
    op.drop_constraint(op.f("uq_usuarios_username"), "usuarios", type_="unique")
    op.drop_constraint(op.f("uq_documentos_numero_expediente"), "documentos", type_="unique")
    op.drop_constraint(
        op.f("uq_integracion_envios_integracion_id_documento_id"), "integracion_envios", type_="unique"
    )
    op.drop_index(
        "ix_integracion_envios_pendientes",
        table_name="integracion_envios",
        postgresql_where=sa.text("estado IN ('pendiente', 'fallido')"),
    )
    op.drop_index(op.f("ix_integracion_envios_documento_id"), table_name="integracion_envios")
    op.drop_index("ix_historial_usuario_id_created_at", table_name="historial")
    op.drop_index("ix_historial_evento_created_at", table_name="historial")
    op.drop_index(op.f("ix_historial_documento_id_created_at"), table_name="historial")
    op.drop_index("ix_historial_created_at_id", table_name="historial")
    op.drop_index("ix_historial_area_id_created_at", table_name="historial")
    op.drop_index(
        "ix_derivaciones_vencimiento",
        table_name="derivaciones",
        postgresql_where=sa.text("estado IN ('pendiente', 'recibida') AND fecha_limite IS NOT NULL"),
    )
    for name in ("recibido_por", "indicacion", "enviado_por"):
        op.drop_index(f"ix_derivaciones_{name}_fecha", table_name="derivaciones")
    op.drop_index(op.f("ix_derivaciones_fecha_envio"), table_name="derivaciones")
    op.drop_index("ix_derivaciones_destino_fecha", table_name="derivaciones")
    op.drop_index(op.f("ix_derivaciones_documento_id_fecha_envio"), table_name="derivaciones")
    op.drop_index("ix_derivaciones_bandeja", table_name="derivaciones")
    op.drop_index("ix_derivaciones_area_origen_fecha", table_name="derivaciones")
    op.drop_index(op.f("ix_derivaciones_area_destino_id_documento_id"), table_name="derivaciones")
    op.drop_index(op.f("ix_anexos_sha256"), table_name="anexos")
    op.drop_index(
        "ix_anexos_pendientes",
        table_name="anexos",
        postgresql_where=sa.text("estado_procesamiento = 'pendiente'"),
    )
    op.drop_index(op.f("ix_anexos_documento_id"), table_name="anexos")
    op.drop_index(op.f("ix_reportes_task_id"), table_name="reportes")
    op.drop_index("ix_reportes_solicitante_fecha", table_name="reportes")
    op.drop_index(
        "ix_reportes_activos",
        table_name="reportes",
        postgresql_where=sa.text("estado IN ('pendiente', 'procesando')"),
    )
    op.drop_index(
        "ix_documentos_vencimiento",
        table_name="documentos",
        postgresql_where=sa.text(
            "estado IN ('registrado', 'derivado', 'recibido', 'en_proceso', 'observado')"
        ),
    )
    op.drop_index("ix_documentos_tipo_fecha", table_name="documentos")
    op.drop_index("ix_documentos_remitente_fecha", table_name="documentos")
    op.drop_index("ix_documentos_registrado_por_fecha", table_name="documentos")
    op.drop_index("ix_documentos_procedimiento_fecha", table_name="documentos")
    op.drop_index(
        "ix_documentos_area_abiertos", table_name="documentos", postgresql_where=sa.text(OPEN_STATES)
    )
    op.drop_index("ix_documentos_abiertos", table_name="documentos", postgresql_where=sa.text(OPEN_STATES))
    op.drop_index(
        "ix_documentos_prioritarios",
        table_name="documentos",
        postgresql_where=sa.text(
            "prioridad IN ('alta', 'urgente') AND estado IN ('registrado', 'derivado', 'recibido', 'en_proceso', 'observado')"
        ),
    )
    op.drop_index(
        "ix_documentos_numero_documento_trgm",
        table_name="documentos",
        postgresql_using="gin",
        postgresql_ops={"numero_documento": "gin_trgm_ops"},
    )
    op.drop_index(
        op.f("ix_documentos_idempotency_key"),
        table_name="documentos",
        postgresql_where=sa.text("idempotency_key IS NOT NULL"),
    )
    op.drop_index("ix_documentos_fecha_recepcion_id", table_name="documentos")
    op.drop_index("ix_documentos_estado_fecha", table_name="documentos")
    op.drop_index("ix_documentos_canal_fecha", table_name="documentos")
    op.drop_index("ix_documentos_busqueda", table_name="documentos", postgresql_using="gin")
    op.drop_index(
        "ix_documentos_atendidos",
        table_name="documentos",
        postgresql_where=sa.text("fecha_atencion IS NOT NULL"),
    )
    op.drop_index("ix_documentos_area_fecha", table_name="documentos")
    op.drop_index("ix_documentos_area_estado_fecha", table_name="documentos")
    op.drop_index(
        "ix_remitentes_nombre_trgm",
        table_name="remitentes",
        postgresql_using="gin",
        postgresql_ops={"nombre": "gin_trgm_ops"},
    )
