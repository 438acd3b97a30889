"""the access read model: who holds which role and group, from membership's person events

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

from npd_runtime.migrations_ops import create_access_tables, drop_access_tables

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_access_tables()


def downgrade() -> None:
    drop_access_tables()
