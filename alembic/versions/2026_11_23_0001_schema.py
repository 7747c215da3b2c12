"""Schema: every table of docs/design.md §2 with its keys, foreign keys, unique and check constraints.

The secondary (performance) indexes live in the next revision so that they can be dropped and
recreated on their own (the benchmark's baseline mode does that).

Revision ID: 0001
Revises:
Create Date: 2026-11-23 14:27:10.730699+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BUSQUEDA_FUNCTION = """
CREATE FUNCTION documentos_busqueda_actualizar() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.busqueda :=
        setweight(to_tsvector('spanish', unaccent(coalesce(NEW.asunto, ''))), 'A')
        || setweight(to_tsvector('spanish', NEW.numero_expediente || ' ' || coalesce(NEW.numero_documento, '')), 'B')
        || setweight(to_tsvector('spanish', unaccent(coalesce(
            (SELECT r.nombre || ' ' || r.numero_documento_identidad FROM remitentes r WHERE r.id = NEW.remitente_id),
            ''))), 'C');
    RETURN NEW;
END
$$
"""
# A sender's new name or number reaches the search vector of their documents (rare: only on change).
REMITENTE_FUNCTION = """
CREATE FUNCTION remitentes_busqueda_propagar() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE documentos SET remitente_id = remitente_id WHERE remitente_id = NEW.id;
    RETURN NULL;
END
$$
"""
REMITENTE_TRIGGER = """
CREATE TRIGGER remitentes_busqueda_trigger
AFTER UPDATE OF nombre, numero_documento_identidad ON remitentes
FOR EACH ROW
WHEN (OLD.nombre IS DISTINCT FROM NEW.nombre
      OR OLD.numero_documento_identidad IS DISTINCT FROM NEW.numero_documento_identidad)
EXECUTE FUNCTION remitentes_busqueda_propagar()
"""
BUSQUEDA_TRIGGER = """
CREATE TRIGGER documentos_busqueda_trigger
BEFORE INSERT OR UPDATE OF asunto, numero_documento, numero_expediente, remitente_id ON documentos
FOR EACH ROW EXECUTE FUNCTION documentos_busqueda_actualizar()
"""


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    op.create_table(
        "areas",
        sa.Column("codigo", sa.String(length=20), nullable=False),
        sa.Column("nombre", sa.String(length=200), nullable=False),
        sa.Column("sigla", sa.String(length=20), nullable=False),
        sa.Column("parent_id", sa.BigInteger(), nullable=True),
        sa.Column("activo", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["areas.id"], name=op.f("fk_areas_parent_id_areas"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_areas")),
    )
    op.create_table(
        "expediente_correlativos",
        sa.Column("anio", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("ultimo", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("anio", name=op.f("pk_expediente_correlativos")),
    )
    op.create_table(
        "indicaciones",
        sa.Column("codigo", sa.String(length=20), nullable=False),
        sa.Column("nombre", sa.String(length=120), nullable=False),
        sa.Column("activo", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicaciones")),
    )
    op.create_table(
        "integraciones",
        sa.Column("codigo", sa.String(length=50), nullable=False),
        sa.Column("nombre", sa.String(length=200), nullable=False),
        sa.Column(
            "tipo",
            sa.Enum(
                "webhook",
                "pide",
                name="tipo_integracion",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("secreto", sa.String(length=200), nullable=False),
        sa.Column("timeout_s", sa.Integer(), server_default="10", nullable=False),
        sa.Column("max_reintentos", sa.Integer(), server_default="5", nullable=False),
        sa.Column("activo", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("max_reintentos >= 0", name=op.f("ck_integraciones_reintentos_no_negativos")),
        sa.CheckConstraint("timeout_s > 0", name=op.f("ck_integraciones_timeout_positivo")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integraciones")),
    )
    op.create_table(
        "monedas",
        sa.Column("codigo", sa.String(length=3), nullable=False),
        sa.Column("nombre", sa.String(length=120), nullable=False),
        sa.Column("activo", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.PrimaryKeyConstraint("codigo", name=op.f("pk_monedas")),
    )
    op.create_table(
        "paises",
        sa.Column("codigo", sa.String(length=2), nullable=False),
        sa.Column("codigo_alpha3", sa.String(length=3), nullable=False),
        sa.Column("nombre", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("codigo", name=op.f("pk_paises")),
    )
    op.create_table(
        "tipos_documento",
        sa.Column("codigo", sa.String(length=20), nullable=False),
        sa.Column("nombre", sa.String(length=120), nullable=False),
        sa.Column("activo", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tipos_documento")),
    )
    op.create_table(
        "procedimientos",
        sa.Column("codigo", sa.String(length=20), nullable=False),
        sa.Column("nombre", sa.String(length=300), nullable=False),
        sa.Column("plazo_dias", sa.Integer(), nullable=False),
        sa.Column("costo", sa.Numeric(precision=12, scale=2), server_default="0", nullable=False),
        sa.Column("moneda_codigo", sa.String(length=3), server_default="PEN", nullable=False),
        sa.Column("area_id", sa.BigInteger(), nullable=False),
        sa.Column("activo", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("costo >= 0", name=op.f("ck_procedimientos_costo_no_negativo")),
        sa.CheckConstraint("plazo_dias >= 0", name=op.f("ck_procedimientos_plazo_no_negativo")),
        sa.ForeignKeyConstraint(
            ["area_id"], ["areas.id"], name=op.f("fk_procedimientos_area_id_areas"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["moneda_codigo"], ["monedas.codigo"], name=op.f("fk_procedimientos_moneda_codigo_monedas")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_procedimientos")),
    )
    op.create_table(
        "remitentes",
        sa.Column(
            "tipo_persona",
            sa.Enum(
                "natural",
                "juridica",
                name="tipo_persona",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "tipo_documento_identidad",
            sa.Enum(
                "DNI",
                "RUC",
                "CE",
                "PASAPORTE",
                name="tipo_documento_identidad",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("numero_documento_identidad", sa.String(length=20), nullable=False),
        sa.Column("nombre", sa.String(length=300), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("telefono", sa.String(length=30), nullable=True),
        sa.Column("direccion", sa.String(length=300), nullable=True),
        sa.Column("pais_codigo", sa.String(length=2), server_default="PE", nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["pais_codigo"], ["paises.codigo"], name=op.f("fk_remitentes_pais_codigo_paises")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_remitentes")),
    )
    op.create_table(
        "usuarios",
        sa.Column("username", sa.String(length=50), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("nombre_completo", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column(
            "rol",
            sa.Enum(
                "admin",
                "mesa_partes",
                "especialista",
                "auditor",
                name="rol",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("area_id", sa.BigInteger(), nullable=True),
        sa.Column("activo", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("ultimo_acceso", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"], ["areas.id"], name=op.f("fk_usuarios_area_id_areas"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usuarios")),
    )
    op.create_table(
        "documentos",
        sa.Column("numero_expediente", sa.String(length=20), nullable=False),
        sa.Column("codigo_verificacion", sa.String(length=12), nullable=False),
        sa.Column("tipo_documento_id", sa.BigInteger(), nullable=False),
        sa.Column("numero_documento", sa.String(length=100), nullable=True),
        sa.Column("asunto", sa.String(length=1000), nullable=False),
        sa.Column("folios", sa.Integer(), nullable=False),
        sa.Column("remitente_id", sa.BigInteger(), nullable=False),
        sa.Column("procedimiento_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "canal",
            sa.Enum(
                "presencial",
                "virtual",
                "interoperabilidad",
                name="canal",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "prioridad",
            sa.Enum(
                "baja",
                "normal",
                "alta",
                "urgente",
                name="prioridad",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "estado",
            sa.Enum(
                "registrado",
                "derivado",
                "recibido",
                "en_proceso",
                "atendido",
                "archivado",
                "observado",
                "anulado",
                name="estado_documento",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("area_actual_id", sa.BigInteger(), nullable=False),
        sa.Column("registrado_por_id", sa.BigInteger(), nullable=False),
        sa.Column("fecha_recepcion", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fecha_limite", sa.Date(), nullable=True),
        sa.Column("fecha_atencion", sa.DateTime(timezone=True), nullable=True),
        sa.Column("observacion", sa.Text(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=100), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("busqueda", postgresql.TSVECTOR(), nullable=True),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "numero_expediente ~ '^[0-9]{4}-[0-9]{6,}$'", name=op.f("ck_documentos_numero_expediente_formato")
        ),
        sa.CheckConstraint("folios > 0", name=op.f("ck_documentos_folios_positivos")),
        sa.CheckConstraint("version > 0", name=op.f("ck_documentos_version_positiva")),
        sa.ForeignKeyConstraint(
            ["area_actual_id"],
            ["areas.id"],
            name=op.f("fk_documentos_area_actual_id_areas"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["procedimiento_id"],
            ["procedimientos.id"],
            name=op.f("fk_documentos_procedimiento_id_procedimientos"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["registrado_por_id"],
            ["usuarios.id"],
            name=op.f("fk_documentos_registrado_por_id_usuarios"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["remitente_id"],
            ["remitentes.id"],
            name=op.f("fk_documentos_remitente_id_remitentes"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tipo_documento_id"],
            ["tipos_documento.id"],
            name=op.f("fk_documentos_tipo_documento_id_tipos_documento"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documentos")),
    )
    op.create_table(
        "reportes",
        sa.Column(
            "tipo",
            sa.Enum(
                "documentos",
                "derivaciones",
                "vencidos",
                "estadisticas",
                name="tipo_reporte",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "parametros",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "formato",
            sa.Enum("xlsx", name="formato_reporte", native_enum=False, create_constraint=True, length=32),
            server_default="xlsx",
            nullable=False,
        ),
        sa.Column(
            "estado",
            sa.Enum(
                "pendiente",
                "procesando",
                "completado",
                "error",
                name="estado_reporte",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("task_id", sa.String(length=64), nullable=True),
        sa.Column("ruta_archivo", sa.String(length=500), nullable=True),
        sa.Column("filas", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("solicitado_por_id", sa.BigInteger(), nullable=False),
        sa.Column("iniciado_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finalizado_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["solicitado_por_id"],
            ["usuarios.id"],
            name=op.f("fk_reportes_solicitado_por_id_usuarios"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reportes")),
    )
    op.create_table(
        "anexos",
        sa.Column("documento_id", sa.BigInteger(), nullable=False),
        sa.Column("nombre_archivo", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=True),
        sa.Column("tamano_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("ruta", sa.String(length=500), nullable=False),
        sa.Column("paginas", sa.Integer(), nullable=True),
        sa.Column(
            "estado_procesamiento",
            sa.Enum(
                "pendiente",
                "procesado",
                "fallido",
                name="estado_procesamiento",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            server_default="pendiente",
            nullable=False,
        ),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("subido_por_id", sa.BigInteger(), nullable=True),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("tamano_bytes >= 0", name=op.f("ck_anexos_tamano_no_negativo")),
        sa.ForeignKeyConstraint(
            ["documento_id"],
            ["documentos.id"],
            name=op.f("fk_anexos_documento_id_documentos"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["subido_por_id"],
            ["usuarios.id"],
            name=op.f("fk_anexos_subido_por_id_usuarios"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_anexos")),
    )
    op.create_table(
        "derivaciones",
        sa.Column("documento_id", sa.BigInteger(), nullable=False),
        sa.Column("area_origen_id", sa.BigInteger(), nullable=False),
        sa.Column("area_destino_id", sa.BigInteger(), nullable=False),
        sa.Column("enviado_por_id", sa.BigInteger(), nullable=False),
        sa.Column("recibido_por_id", sa.BigInteger(), nullable=True),
        sa.Column("indicacion_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "prioridad",
            sa.Enum(
                "baja",
                "normal",
                "alta",
                "urgente",
                name="prioridad",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("proveido", sa.Text(), nullable=True),
        sa.Column(
            "estado",
            sa.Enum(
                "pendiente",
                "recibida",
                "atendida",
                "devuelta",
                "anulada",
                name="estado_derivacion",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("es_copia", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("fecha_envio", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fecha_recepcion", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fecha_atencion", sa.DateTime(timezone=True), nullable=True),
        sa.Column("plazo_dias", sa.Integer(), nullable=True),
        sa.Column("fecha_limite", sa.Date(), nullable=True),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "plazo_dias IS NULL OR plazo_dias >= 0", name=op.f("ck_derivaciones_plazo_no_negativo")
        ),
        sa.ForeignKeyConstraint(
            ["area_destino_id"],
            ["areas.id"],
            name=op.f("fk_derivaciones_area_destino_id_areas"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["area_origen_id"],
            ["areas.id"],
            name=op.f("fk_derivaciones_area_origen_id_areas"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["documento_id"],
            ["documentos.id"],
            name=op.f("fk_derivaciones_documento_id_documentos"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["enviado_por_id"],
            ["usuarios.id"],
            name=op.f("fk_derivaciones_enviado_por_id_usuarios"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["indicacion_id"],
            ["indicaciones.id"],
            name=op.f("fk_derivaciones_indicacion_id_indicaciones"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["recibido_por_id"],
            ["usuarios.id"],
            name=op.f("fk_derivaciones_recibido_por_id_usuarios"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_derivaciones")),
    )
    op.create_table(
        "historial",
        sa.Column("documento_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "evento",
            sa.Enum(
                "registrado",
                "actualizado",
                "derivado",
                "recibido",
                "en_proceso",
                "atendido",
                "archivado",
                "observado",
                "anulado",
                "anexo_agregado",
                "enviado_integracion",
                name="evento_historial",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("usuario_id", sa.BigInteger(), nullable=True),
        sa.Column("area_id", sa.BigInteger(), nullable=True),
        sa.Column("estado_anterior", sa.String(length=32), nullable=True),
        sa.Column("estado_nuevo", sa.String(length=32), nullable=True),
        sa.Column(
            "detalle",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"], ["areas.id"], name=op.f("fk_historial_area_id_areas"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["documento_id"],
            ["documentos.id"],
            name=op.f("fk_historial_documento_id_documentos"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["usuario_id"],
            ["usuarios.id"],
            name=op.f("fk_historial_usuario_id_usuarios"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_historial")),
    )
    op.create_table(
        "integracion_envios",
        sa.Column("integracion_id", sa.BigInteger(), nullable=False),
        sa.Column("documento_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "estado",
            sa.Enum(
                "pendiente",
                "enviando",
                "entregado",
                "fallido",
                name="estado_envio",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("intentos", sa.Integer(), server_default="0", nullable=False),
        sa.Column("ultimo_error", sa.Text(), nullable=True),
        sa.Column("codigo_respuesta", sa.Integer(), nullable=True),
        sa.Column("proximo_intento", sa.DateTime(timezone=True), nullable=True),
        sa.Column("entregado_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("intentos >= 0", name=op.f("ck_integracion_envios_intentos_no_negativos")),
        sa.ForeignKeyConstraint(
            ["documento_id"],
            ["documentos.id"],
            name=op.f("fk_integracion_envios_documento_id_documentos"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["integracion_id"],
            ["integraciones.id"],
            name=op.f("fk_integracion_envios_integracion_id_integraciones"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integracion_envios")),
    )

    # Full-text vector over asunto, the numbers and the sender, kept current by the database itself
    # so that bulk COPY loads and every write path fill it alike.
    op.execute(BUSQUEDA_FUNCTION)
    op.execute(BUSQUEDA_TRIGGER)
    op.execute(REMITENTE_FUNCTION)
    op.execute(REMITENTE_TRIGGER)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS remitentes_busqueda_trigger ON remitentes")
    op.execute("DROP FUNCTION IF EXISTS remitentes_busqueda_propagar()")
    op.execute("DROP TRIGGER IF EXISTS documentos_busqueda_trigger ON documentos")
    op.execute("DROP FUNCTION IF EXISTS documentos_busqueda_actualizar()")
    op.drop_table("integracion_envios")
    op.drop_table("historial")
    op.drop_table("derivaciones")
    op.drop_table("anexos")
    op.drop_table("reportes")
    op.drop_table("documentos")
    op.drop_table("usuarios")
    op.drop_table("remitentes")
    op.drop_table("procedimientos")
    op.drop_table("tipos_documento")
    op.drop_table("paises")
    op.drop_table("monedas")
    op.drop_table("integraciones")
    op.drop_table("indicaciones")
    op.drop_table("expediente_correlativos")
    op.drop_table("areas")
