"""A user's session version: `usuarios.version_sesion`.

Every access token carries a stamp of the password it was issued under and of this version; the
version goes up when the account's password, role or área changes or when it is deactivated, so
every token issued before stops being accepted at the next request (a reactivated account does not
bring its old tokens back).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("usuarios", sa.Column("version_sesion", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    op.drop_column("usuarios", "version_sesion")
