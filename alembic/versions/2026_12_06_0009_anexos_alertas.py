"""An attachment's alerts: `anexos.alertas`, why its file must not be opened inline.

The processing task sets it to the codes of `app.anexos.alertas` (JavaScript, automatic or launch
actions and embedded files in a PDF; a second format after the end of a PDF, PNG or JPEG); NULL
until the attachment is processed or when processing failed. No index (the count stays 51): it is
only read with its row.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("anexos", sa.Column("alertas", postgresql.ARRAY(sa.String(length=40)), nullable=True))


def downgrade() -> None:
    op.drop_column("anexos", "alertas")
