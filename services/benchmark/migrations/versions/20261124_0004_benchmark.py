"""the benchmark: catalogue, cycles, submissions, value history, results and their ledger, actions, peers

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cycles",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("catalogue_version", sa.String(length=40), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("k", sa.SmallInteger(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("year"),
    )
    op.create_table(
        "improvement_actions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("kpi_id", sa.String(length=60), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("phase", sa.String(length=10), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("started_on", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_on", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notes", sa.Text(), server_default="", nullable=False),
        sa.Column("baseline_year", sa.SmallInteger(), nullable=True),
        sa.Column("target_value", sa.Double(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_improvement_actions_organisation_id"), "improvement_actions", ["organisation_id"], unique=False
    )
    op.create_table(
        "kpis",
        sa.Column("catalogue_version", sa.String(length=40), nullable=False),
        sa.Column("kpi_id", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("unit", sa.String(length=40), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("direction", sa.String(length=20), nullable=False),
        sa.Column("minimum", sa.Double(), nullable=False),
        sa.Column("maximum", sa.Double(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("group", sa.String(length=30), nullable=False),
        sa.Column("numerator", sa.String(length=60), nullable=True),
        sa.Column("denominator", sa.String(length=60), nullable=True),
        sa.Column("factor", sa.Double(), nullable=True),
        sa.Column("comparable", sa.Boolean(), server_default="true", nullable=False),
        sa.PrimaryKeyConstraint("catalogue_version", "kpi_id"),
    )
    op.create_table(
        "member_sets",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("members", postgresql.ARRAY(sa.Uuid()), nullable=False),
        sa.PrimaryKeyConstraint("digest"),
    )
    op.create_table(
        "peers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("size_class", sa.String(length=20), nullable=True),
        sa.Column("domains", postgresql.ARRAY(sa.String(length=40)), server_default="{}", nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "composed_releases",
        sa.Column("cycle_id", sa.Uuid(), nullable=False),
        sa.Column("kpi_id", sa.String(length=60), nullable=False),
        sa.Column("member_set", sa.String(length=64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("stats", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("withheld", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cycle_id"],
            ["cycles.id"],
        ),
        sa.PrimaryKeyConstraint("cycle_id", "kpi_id", "member_set"),
    )
    op.create_table(
        "results",
        sa.Column("cycle_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("kpi_id", sa.String(length=60), nullable=False),
        sa.Column("peer_group", sa.String(length=80), nullable=False),
        sa.Column("count", sa.Integer(), nullable=True),
        sa.Column("stats", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("withheld", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("member_set", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["cycle_id"],
            ["cycles.id"],
        ),
        sa.PrimaryKeyConstraint("cycle_id", "version", "kpi_id", "peer_group"),
    )
    op.create_table(
        "submissions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("cycle_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("invited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("feedback", sa.Text(), nullable=True),
        sa.Column("delegate_person_id", sa.String(length=255), nullable=True),
        sa.Column("custom_groups_opt_in", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("named_opt_in", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finalised_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["cycle_id"],
            ["cycles.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_submissions_cycle_organisation", "submissions", ["cycle_id", "organisation_id"], unique=True)
    op.create_index("ix_submissions_organisation", "submissions", ["organisation_id"], unique=False)
    op.create_table(
        "submission_values",
        sa.Column("submission_id", sa.Uuid(), nullable=False),
        sa.Column("kpi_id", sa.String(length=60), nullable=False),
        sa.Column("value", sa.Double(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
        ),
        sa.PrimaryKeyConstraint("submission_id", "kpi_id"),
    )
    op.create_table(
        "value_history",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("submission_id", sa.Uuid(), nullable=False),
        sa.Column("kpi_id", sa.String(length=60), nullable=False),
        sa.Column("value", sa.Double(), nullable=True),
        sa.Column("explanation", sa.Text(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_value_history_changed_by", "value_history", ["changed_by"], unique=False)
    op.create_index("ix_value_history_submission", "value_history", ["submission_id", "kpi_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_value_history_submission", table_name="value_history")
    op.drop_index("ix_value_history_changed_by", table_name="value_history")
    op.drop_table("value_history")
    op.drop_table("submission_values")
    op.drop_index("ix_submissions_organisation", table_name="submissions")
    op.drop_index("ix_submissions_cycle_organisation", table_name="submissions")
    op.drop_table("submissions")
    op.drop_table("results")
    op.drop_table("composed_releases")
    op.drop_table("peers")
    op.drop_table("member_sets")
    op.drop_table("kpis")
    op.drop_index(op.f("ix_improvement_actions_organisation_id"), table_name="improvement_actions")
    op.drop_table("improvement_actions")
    op.drop_table("cycles")
