"""What an especialista may see, maintained (issue 12): `visibilidad` holds one row
(area_id, fecha_recepcion, documento_id) for every area whose especialistas may see a document —
its current area and every area it was ever routed to (`app.documentos.acceso`) —, kept by
triggers on documentos and derivaciones in the writing transaction, and filled here from the
existing rows.

Its primary key is the row in the especialista's list order: scanned backward from (area, cursor)
it yields one page of the area, newest first, whatever the size of the area or the depth of the
cursor. `ix_visibilidad_documento_area` (documento_id, area_id) answers "may this area see this
document?" in one probe: for one document (detail, history, attachments, actions), for the
documents a selective filter found (a sender, a search), and for the triggers. It replaces
`ix_derivaciones_area_destino_id_documento_id`, which served only that question and is dropped,
so the count of secondary indexes stays 51 (docs/indexes.md, "The especialista's list").

Every write that changes a document's visible set holds that document's row lock (the writes of
documentos hold it already; a routing's trigger takes it), so a routing into an area and the
document leaving that area cannot interleave and lose the row.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DOCUMENTO_FUNCTION = """
CREATE FUNCTION visibilidad_documento() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO visibilidad (area_id, fecha_recepcion, documento_id)
        VALUES (NEW.area_actual_id, NEW.fecha_recepcion, NEW.id) ON CONFLICT DO NOTHING;
        RETURN NULL;
    END IF;
    IF TG_OP = 'DELETE' THEN
        DELETE FROM visibilidad WHERE documento_id = OLD.id;
        RETURN NULL;
    END IF;
    IF NEW.fecha_recepcion IS DISTINCT FROM OLD.fecha_recepcion THEN
        UPDATE visibilidad SET fecha_recepcion = NEW.fecha_recepcion WHERE documento_id = OLD.id;
    END IF;
    IF NEW.area_actual_id IS DISTINCT FROM OLD.area_actual_id THEN
        INSERT INTO visibilidad (area_id, fecha_recepcion, documento_id)
        VALUES (NEW.area_actual_id, NEW.fecha_recepcion, NEW.id) ON CONFLICT DO NOTHING;
        -- The area it leaves keeps it only if the document was routed there. (Its routings are
        -- read by documento_id alone, ix_derivaciones_documento_id_fecha_envio: a handful of rows,
        -- whatever the statistics say of the area.)
        IF OLD.area_actual_id <> ALL (ARRAY(SELECT area_destino_id FROM derivaciones WHERE documento_id = OLD.id))
        THEN
            DELETE FROM visibilidad WHERE documento_id = OLD.id AND area_id = OLD.area_actual_id;
        END IF;
    END IF;
    RETURN NULL;
END
$$
"""

DERIVACION_FUNCTION = """
CREATE FUNCTION visibilidad_derivacion() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    recibido timestamptz;
    actual bigint;
BEGIN
    -- Routings are never deleted nor redirected by the application; should one be, the area it
    -- pointed at keeps the document only if it is still there or another routing points there.
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        SELECT fecha_recepcion, area_actual_id INTO recibido, actual
        FROM documentos WHERE id = OLD.documento_id FOR NO KEY UPDATE;
        IF FOUND AND actual <> OLD.area_destino_id AND OLD.area_destino_id <> ALL (ARRAY(
            SELECT area_destino_id FROM derivaciones WHERE documento_id = OLD.documento_id AND id <> OLD.id
        )) THEN
            DELETE FROM visibilidad WHERE documento_id = OLD.documento_id AND area_id = OLD.area_destino_id;
        END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        -- The document's row lock orders this against a concurrent move of the document.
        SELECT fecha_recepcion INTO recibido FROM documentos WHERE id = NEW.documento_id FOR NO KEY UPDATE;
        INSERT INTO visibilidad (area_id, fecha_recepcion, documento_id)
        VALUES (NEW.area_destino_id, recibido, NEW.documento_id) ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END
$$
"""

TRIGGERS = (
    "CREATE TRIGGER visibilidad_documento_trigger"
    " AFTER INSERT OR UPDATE OF area_actual_id, fecha_recepcion ON documentos"
    " FOR EACH ROW EXECUTE FUNCTION visibilidad_documento()",
    "CREATE TRIGGER visibilidad_documento_borrado_trigger AFTER DELETE ON documentos"
    " FOR EACH ROW EXECUTE FUNCTION visibilidad_documento()",
    "CREATE TRIGGER visibilidad_derivacion_trigger"
    " AFTER INSERT OR DELETE OR UPDATE OF documento_id, area_destino_id ON derivaciones"
    " FOR EACH ROW EXECUTE FUNCTION visibilidad_derivacion()",
)

# The rule over the existing rows: each document in its area, plus each other area it was routed
# to, once (the distinct pairs come off ix_derivaciones_area_destino_id_documento_id in order,
# before it is dropped; no set-wide de-duplication). 1,000,000 documents: ~8 s, and a few seconds
# for each index (docs/indexes.md).
FILL = """
INSERT INTO visibilidad (area_id, fecha_recepcion, documento_id)
SELECT area_actual_id, fecha_recepcion, id FROM documentos
UNION ALL
SELECT r.area_destino_id, d.fecha_recepcion, d.id
FROM (SELECT DISTINCT area_destino_id, documento_id FROM derivaciones) AS r
JOIN documentos AS d ON d.id = r.documento_id AND d.area_actual_id <> r.area_destino_id
"""


_INDICE_REEMPLAZADO = "ix_derivaciones_area_destino_id_documento_id"


def upgrade() -> None:
    op.create_table(
        "visibilidad",
        sa.Column("area_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("fecha_recepcion", sa.DateTime(timezone=True), nullable=False),
        sa.Column("documento_id", sa.BigInteger(), autoincrement=False, nullable=False),
    )
    # Both tables are locked while the rows are copied, so no write slips between fill and triggers.
    op.execute("LOCK TABLE documentos, derivaciones IN SHARE MODE")
    op.execute("SET LOCAL work_mem = '256MB'")  # the join's hash of documentos stays in memory
    op.execute(FILL)
    # The indexes are built once over the filled table (a sort each), not row by row.
    op.create_primary_key(
        op.f("pk_visibilidad"), "visibilidad", ["area_id", "fecha_recepcion", "documento_id"]
    )
    op.create_index("ix_visibilidad_documento_area", "visibilidad", ["documento_id", "area_id"])
    op.execute(DOCUMENTO_FUNCTION)
    op.execute(DERIVACION_FUNCTION)
    for trigger in TRIGGERS:
        op.execute(trigger)
    op.drop_index(_INDICE_REEMPLAZADO, table_name="derivaciones")
    op.execute("ANALYZE visibilidad")


def downgrade() -> None:
    op.create_index(_INDICE_REEMPLAZADO, "derivaciones", ["area_destino_id", "documento_id"])
    op.execute("DROP TRIGGER IF EXISTS visibilidad_derivacion_trigger ON derivaciones")
    op.execute("DROP TRIGGER IF EXISTS visibilidad_documento_borrado_trigger ON documentos")
    op.execute("DROP TRIGGER IF EXISTS visibilidad_documento_trigger ON documentos")
    op.execute("DROP FUNCTION IF EXISTS visibilidad_derivacion()")
    op.execute("DROP FUNCTION IF EXISTS visibilidad_documento()")
    op.drop_table("visibilidad")
