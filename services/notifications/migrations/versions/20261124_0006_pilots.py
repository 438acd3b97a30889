"""read model for the pilot rules: who follows which pilot

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pilot_followers",
        sa.Column("pilot_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.String(255), nullable=False),
        sa.PrimaryKeyConstraint("pilot_id", "person_id"),
    )
    op.create_index("ix_pilot_followers_person", "pilot_followers", ["person_id"])


def downgrade() -> None:
    op.drop_table("pilot_followers")
