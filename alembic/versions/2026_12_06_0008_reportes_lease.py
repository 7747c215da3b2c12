"""A report run's lease: `reportes.lease_hasta` and `reportes.intentos`.

A run takes the report with a conditional UPDATE (only when it is pendiente, or procesando with an
expired lease), renews `lease_hasta` while it works and completes it only while it still holds the
lease. A report whose lease expired (its worker died) is queued again by the sweep or by a worker
starting up, at most `report_max_attempts` times (`intentos` counts the runs that took it), then it
is marked error. No secondary index is added (the count stays 51): the sweep reads the partial index
`ix_reportes_activos` (unfinished reports only).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("reportes", sa.Column("lease_hasta", sa.DateTime(timezone=True), nullable=True))
    op.add_column("reportes", sa.Column("intentos", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    op.drop_column("reportes", "intentos")
    op.drop_column("reportes", "lease_hasta")
