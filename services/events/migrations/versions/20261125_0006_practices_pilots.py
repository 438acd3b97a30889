"""practices (with their full-text search vector) and pilots, their followers, adoptions and adoption history

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BODY = "tried || ' ' || worked || ' ' || failed || ' ' || lessons"
_SEARCH = (
    "setweight(to_tsvector('dutch'::regconfig, title), 'A') || setweight(to_tsvector('simple'::regconfig, title), 'A')"
    f" || setweight(to_tsvector('dutch'::regconfig, {_BODY}), 'B')"
    f" || setweight(to_tsvector('simple'::regconfig, {_BODY}), 'B')"
)


def _at(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "practices",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("tried", sa.Text(), nullable=False),
        sa.Column("worked", sa.Text(), nullable=False),
        sa.Column("failed", sa.Text(), nullable=False),
        sa.Column("lessons", sa.Text(), nullable=False),
        sa.Column("contact", sa.String(300), nullable=False),
        sa.Column("themes", postgresql.ARRAY(sa.String(40)), nullable=False),
        sa.Column("label", sa.String(20), nullable=False),
        sa.Column("group_id", sa.Uuid()),
        sa.Column("meeting_ids", postgresql.ARRAY(sa.Uuid()), nullable=False),
        sa.Column("report_ids", postgresql.ARRAY(sa.Uuid()), nullable=False),
        sa.Column("kpi_ids", postgresql.ARRAY(sa.String(60)), nullable=False),
        sa.Column("author_id", sa.String(255)),
        sa.Column("organisation_id", sa.Uuid()),
        _at("shared_at"),
        _at("updated_at"),
        _at("withdrawn_at", nullable=True),
        sa.Column("search", postgresql.TSVECTOR(), sa.Computed(_SEARCH, persisted=True)),
    )
    op.create_index("ix_practices_search", "practices", ["search"], postgresql_using="gin")
    op.create_index(
        "ix_practices_label_shared",
        "practices",
        ["label", "shared_at"],
        postgresql_where=sa.text("withdrawn_at IS NULL"),
    )
    op.create_index("ix_practices_group", "practices", ["group_id"], postgresql_where=sa.text("group_id IS NOT NULL"))
    op.create_index("ix_practices_author", "practices", ["author_id"])
    op.create_index("ix_practices_themes", "practices", ["themes"], postgresql_using="gin")
    op.create_index("ix_practices_links", "practices", ["meeting_ids", "report_ids", "kpi_ids"], postgresql_using="gin")
    op.create_table(
        "pilots",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("problem", sa.Text(), nullable=False),
        sa.Column("approach", sa.Text(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("results", sa.Text(), nullable=False),
        sa.Column("documents", postgresql.JSONB(), nullable=False),
        sa.Column("owner_organisation_id", sa.Uuid(), nullable=False),
        sa.Column("executive_organisation_id", sa.Uuid()),
        sa.Column("supplier_name", sa.String(200), nullable=False),
        sa.Column("supplier_organisation_id", sa.Uuid()),
        sa.Column("stakeholders", postgresql.JSONB(), nullable=False),
        sa.Column("registered_by", sa.String(255)),
        _at("registered_at"),
        _at("updated_at"),
    )
    op.create_index("ix_pilots_status_registered", "pilots", ["status", "registered_at"])
    op.create_index("ix_pilots_owner", "pilots", ["owner_organisation_id"])
    op.create_table(
        "pilot_follows",
        sa.Column("pilot_id", sa.Uuid(), sa.ForeignKey("pilots.id"), primary_key=True),
        sa.Column("person_id", sa.String(255), primary_key=True),
        _at("followed_at"),
    )
    op.create_index("ix_pilot_follows_person", "pilot_follows", ["person_id"])
    op.create_table(
        "pilot_adoptions",
        sa.Column("pilot_id", sa.Uuid(), sa.ForeignKey("pilots.id"), primary_key=True),
        sa.Column("organisation_id", sa.Uuid(), primary_key=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("set_by", sa.String(255)),
        _at("changed_at"),
    )
    op.create_index("ix_pilot_adoptions_pilot_status", "pilot_adoptions", ["pilot_id", "status"])
    op.create_table(
        "pilot_adoption_history",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("pilot_id", sa.Uuid(), sa.ForeignKey("pilots.id"), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(10)),
        sa.Column("previous_status", sa.String(10)),
        sa.Column("set_by", sa.String(255)),
        _at("changed_at"),
    )
    op.create_index("ix_pilot_adoption_history_pilot", "pilot_adoption_history", ["pilot_id", "changed_at"])


def downgrade() -> None:
    for table in ("pilot_adoption_history", "pilot_adoptions", "pilot_follows", "pilots", "practices"):
        op.drop_table(table)
