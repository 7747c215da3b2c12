"""A clerk's intake in the list's own order: `ix_documentos_registrado_por_fecha` becomes
(registrado_por_id, fecha_recepcion DESC, id DESC).

The list pages by (fecha_recepcion, id) descending. With only (registrado_por_id, fecha_recepcion
DESC) the page needs a sort of the tie on id, so where a clerk registered a large share of the
documents (an office with two or three clerks) the planner walked `ix_documentos_fecha_recepcion_id`
and filtered every other clerk's rows instead. With id in the key the index returns the page in
order and stops after it, like the area, estado and procedimiento indexes of revision 0002.
Same name, same count of secondary indexes (51).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "ix_documentos_registrado_por_fecha"


def upgrade() -> None:
    op.drop_index(NAME, table_name="documentos")
    op.create_index(
        NAME,
        "documentos",
        ["registrado_por_id", sa.literal_column("fecha_recepcion DESC"), sa.literal_column("id DESC")],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(NAME, table_name="documentos")
    op.create_index(NAME, "documentos", ["registrado_por_id", sa.literal_column("fecha_recepcion DESC")], unique=False)
