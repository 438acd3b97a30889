"""the directory: trigram search on people's names and functions, keyset order over active people

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE = sa.text("status = 'active'")


def upgrade() -> None:
    # pg_trgm ships with PostgreSQL's contrib (Debian's postgresql-15, CloudNativePG's images).
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    # Only active people are ever searched, so the indexes leave the departed and the erased out.
    for name, column in (("ix_people_name_trgm", "name"), ("ix_people_function_trgm", "function_title")):
        op.create_index(
            name,
            "people",
            [sa.text(f"lower({column}) gin_trgm_ops")],
            postgresql_using="gin",
            postgresql_where=ACTIVE,
        )
    op.create_index("ix_people_active_name", "people", ["name", "id"], postgresql_where=ACTIVE)


def downgrade() -> None:
    for name in ("ix_people_active_name", "ix_people_function_trgm", "ix_people_name_trgm"):
        op.drop_index(name, "people")
    # The extension stays: other databases' objects may use it, and it costs nothing unused.
