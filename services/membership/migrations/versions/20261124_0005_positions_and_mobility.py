"""one voice and staff mobility (issue 10): positions with versions, addressees, ballots and mandates;
opportunities and interests

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


def _at(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "positions",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("group_id", sa.Uuid(), sa.ForeignKey("groups.id"), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(255)),
        _at("created_at", nullable=False),
        _at("deadline"),
        _at("circulated_at"),
        _at("reminded_at"),
        _at("published_at"),
    )
    op.create_index("ix_positions_status_created", "positions", ["status", "created_at"])
    op.create_index(
        "ix_positions_due_reminder",
        "positions",
        ["deadline"],
        postgresql_where=sa.text("status = 'circulating' AND reminded_at IS NULL"),
    )
    op.create_table(
        "position_versions",
        sa.Column("position_id", sa.Uuid(), sa.ForeignKey("positions.id"), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("author_id", sa.String(255)),
        _at("created_at", nullable=False),
        sa.PrimaryKeyConstraint("position_id", "number"),
    )
    op.create_table(
        "position_addressees",
        sa.Column("position_id", sa.Uuid(), sa.ForeignKey("positions.id"), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), sa.ForeignKey("organisations.id"), nullable=False),
        sa.PrimaryKeyConstraint("position_id", "organisation_id"),
    )
    op.create_table(
        "position_ballots",
        sa.Column("seq", sa.BigInteger(), sa.Identity(always=True), primary_key=True),
        sa.Column("position_id", sa.Uuid(), sa.ForeignKey("positions.id"), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), sa.ForeignKey("organisations.id"), nullable=False),
        sa.Column("vote", sa.String(30), nullable=False),
        sa.Column("remark", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("by_person_id", sa.String(255)),
        _at("cast_at", nullable=False),
    )
    op.create_index(
        "ix_position_ballots_position_organisation", "position_ballots", ["position_id", "organisation_id", "seq"]
    )
    op.create_index("ix_position_ballots_person", "position_ballots", ["by_person_id"])
    op.create_table(
        "organisation_mandates",
        sa.Column("organisation_id", sa.Uuid(), sa.ForeignKey("organisations.id"), primary_key=True),
        sa.Column("person_id", sa.String(255), sa.ForeignKey("people.id"), nullable=False),
        sa.Column("granted_by", sa.String(255), nullable=False),
        _at("granted_at", nullable=False),
    )
    op.create_index("ix_organisation_mandates_person", "organisation_mandates", ["person_id"])

    op.create_table(
        "opportunities",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("organisation_id", sa.Uuid(), sa.ForeignKey("organisations.id"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("location", sa.String(200), nullable=False),
        sa.Column("contact_person_id", sa.String(255)),
        sa.Column("status", sa.String(20), nullable=False),
        _at("expires_at", nullable=False),
        _at("published_at", nullable=False),
        sa.Column("created_by", sa.String(255)),
        _at("closed_at"),
        sa.Column("close_reason", sa.String(20)),
    )
    op.create_index(
        "ix_opportunities_open_expiry", "opportunities", ["expires_at"], postgresql_where=sa.text("status = 'open'")
    )
    op.create_index("ix_opportunities_organisation", "opportunities", ["organisation_id", "published_at"])
    op.create_table(
        "opportunity_interests",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("opportunity_id", sa.Uuid(), sa.ForeignKey("opportunities.id"), nullable=False),
        sa.Column("person_id", sa.String(255), sa.ForeignKey("people.id"), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("share_with_own_organisation", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        _at("expressed_at", nullable=False),
        _at("answered_at"),
        sa.Column("answer_message", sa.Text(), nullable=False),
    )
    op.create_index(
        "uq_opportunity_interests_person", "opportunity_interests", ["opportunity_id", "person_id"], unique=True
    )
    op.create_index("ix_opportunity_interests_person", "opportunity_interests", ["person_id"])


def downgrade() -> None:
    for table in (
        "opportunity_interests",
        "opportunities",
        "organisation_mandates",
        "position_ballots",
        "position_addressees",
        "position_versions",
        "positions",
    ):
        op.drop_table(table)
