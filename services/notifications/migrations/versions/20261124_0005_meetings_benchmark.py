"""read models for the meeting and benchmark rules: meetings, registrations, paper submitters, invitations

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "recipient_meetings",
        sa.Column("meeting_id", sa.Uuid(), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("audience", sa.String(20), nullable=False),
        sa.Column("host_group_id", sa.Uuid()),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "meeting_registrations",
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.String(255), nullable=False),
        sa.Column("waitlisted", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("meeting_id", "person_id"),
    )
    op.create_index("ix_meeting_registrations_person", "meeting_registrations", ["person_id"])
    op.create_table(
        "paper_submitters",
        sa.Column("paper_id", sa.Uuid(), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("submitter_id", sa.String(255), nullable=False),
    )
    op.create_index("ix_paper_submitters_person", "paper_submitters", ["submitter_id"])
    op.create_table(
        "benchmark_invitations",
        sa.Column("cycle_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("cycle_id", "organisation_id"),
    )


def downgrade() -> None:
    op.drop_table("benchmark_invitations")
    op.drop_table("paper_submitters")
    op.drop_table("meeting_registrations")
    op.drop_table("recipient_meetings")
