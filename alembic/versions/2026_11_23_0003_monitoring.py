"""Query monitoring: the pg_stat_statements extension, in a schema of its own, when available.

The server must load the library (`shared_preload_libraries = 'pg_stat_statements'`; the embedded
server is configured so) for its view to answer; without the extension, or without the privilege to
create it, this revision only leaves a notice and the index report says why top statements are
missing.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        DO $$
        BEGIN
            IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_stat_statements')
               AND NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements') THEN
                CREATE SCHEMA IF NOT EXISTS monitoring;
                CREATE EXTENSION pg_stat_statements SCHEMA monitoring;
            END IF;
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE NOTICE 'pg_stat_statements not installed: %', SQLERRM;
        END
        $$
        """
    )


def downgrade() -> None:
    op.execute(
        """
        DO $$
        BEGIN
            IF EXISTS (
                SELECT 1 FROM pg_extension
                WHERE extname = 'pg_stat_statements' AND extnamespace = 'monitoring'::regnamespace
            ) THEN
                DROP EXTENSION pg_stat_statements;
            END IF;
        EXCEPTION WHEN invalid_schema_name THEN
            NULL;
        END
        $$
        """
    )
    op.execute("DROP SCHEMA IF EXISTS monitoring")
