"""meetings: the network's organisations and groups (read models), venues, series, meetings, registrations,
guest chairs

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


def _at(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _updated_at() -> sa.Column[object]:
    return sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        _at("joined_at"),
        _at("changed_at"),
    )
    op.create_index("ix_organisations_kind_status", "organisations", ["kind", "status"])

    op.create_table(
        "groups",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        _at("changed_at"),
    )

    op.create_table(
        "venues",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("address", sa.String(200), nullable=False),
        sa.Column("postal_code", sa.String(10), nullable=False),
        sa.Column("city", sa.String(100), nullable=False),
        sa.Column("capacity", sa.Integer()),
        sa.Column("online_url", sa.String(500)),
        _at("created_at"),
        _at("archived_at", nullable=True),
        _updated_at(),
    )
    op.create_index("ix_venues_organisation_name", "venues", ["organisation_id", "name"])

    op.create_table(
        "series",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("rule", sa.String(500), nullable=False),
        sa.Column("dtstart", sa.DateTime(timezone=False), nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("format", sa.String(40), nullable=False),
        sa.Column("audience", sa.String(20), nullable=False),
        sa.Column("host_group_id", sa.Uuid()),
        sa.Column("venue_id", sa.Uuid(), sa.ForeignKey("venues.id")),
        sa.Column("online", sa.Boolean(), nullable=False),
        sa.Column("online_url", sa.String(500)),
        sa.Column("capacity", sa.Integer()),
        sa.Column("deadline_minutes", sa.Integer()),
        sa.Column("offer_hours", sa.Integer()),
        sa.Column("rotation_kinds", sa.ARRAY(sa.String(40)), nullable=False, server_default="{}"),
        sa.Column("chair_lead_days", sa.Integer(), nullable=False),
        sa.Column("materialised_until", sa.DateTime(timezone=False)),
        _at("ended_at", nullable=True),
        sa.Column("created_by", sa.String(255), nullable=False),
        _at("created_at"),
        _updated_at(),
    )

    op.create_table(
        "meetings",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("series_id", sa.Uuid(), sa.ForeignKey("series.id")),
        sa.Column("recurrence_id", sa.DateTime(timezone=False)),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("format", sa.String(40), nullable=False),
        sa.Column("audience", sa.String(20), nullable=False),
        sa.Column("host_group_id", sa.Uuid()),
        sa.Column("venue_id", sa.Uuid(), sa.ForeignKey("venues.id")),
        sa.Column("online", sa.Boolean(), nullable=False),
        sa.Column("online_url", sa.String(500)),
        _at("starts_at"),
        _at("ends_at"),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("capacity", sa.Integer()),
        _at("registration_deadline", nullable=True),
        sa.Column("offer_hours", sa.Integer()),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("detached", sa.Boolean(), nullable=False, server_default="false"),
        sa.Column("sequence", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("cancel_reason", sa.Text()),
        sa.Column("created_by", sa.String(255), nullable=False),
        _at("created_at"),
        _at("cancelled_at", nullable=True),
        sa.Column("taken", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("next_position", sa.BigInteger(), nullable=False, server_default="1"),
        _updated_at(),
    )
    op.create_index("uq_meetings_occurrence", "meetings", ["series_id", "recurrence_id"], unique=True)
    op.create_index("ix_meetings_starts_at", "meetings", ["starts_at"])
    op.create_index("ix_meetings_host_group_starts_at", "meetings", ["host_group_id", "starts_at"])

    op.create_table(
        "registrations",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("meeting_id", sa.Uuid(), sa.ForeignKey("meetings.id"), nullable=False),
        sa.Column("person_id", sa.String(255), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("queue_position", sa.BigInteger(), nullable=False),
        _at("offer_expires_at", nullable=True),
        sa.Column("attended", sa.Boolean()),
        _at("registered_at"),
        _at("confirmed_at", nullable=True),
        _at("ended_at", nullable=True),
        sa.Column("end_reason", sa.String(20)),
        _updated_at(),
    )
    op.create_index(
        "uq_registrations_active",
        "registrations",
        ["meeting_id", "person_id"],
        unique=True,
        postgresql_where=sa.text("status IN ('confirmed', 'waitlisted', 'offered')"),
    )
    op.create_index("ix_registrations_person", "registrations", ["person_id", "meeting_id"])
    op.create_index("ix_registrations_meeting_queue", "registrations", ["meeting_id", "status", "queue_position"])
    op.create_index(
        "ix_registrations_offer_expiry",
        "registrations",
        ["offer_expires_at"],
        postgresql_where=sa.text("status = 'offered'"),
    )

    op.create_table(
        "guest_chairs",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("series_id", sa.Uuid(), sa.ForeignKey("series.id"), nullable=False),
        sa.Column("meeting_id", sa.Uuid(), sa.ForeignKey("meetings.id"), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        _at("assigned_at"),
        _at("ended_at", nullable=True),
    )
    op.create_index(
        "uq_guest_chairs_assigned",
        "guest_chairs",
        ["meeting_id"],
        unique=True,
        postgresql_where=sa.text("status = 'assigned'"),
    )
    op.create_index("ix_guest_chairs_series_round", "guest_chairs", ["series_id", "round"])
    op.create_index("ix_guest_chairs_organisation", "guest_chairs", ["organisation_id"])


def downgrade() -> None:
    for table in ("guest_chairs", "registrations", "meetings", "series", "venues", "groups", "organisations"):
        op.drop_table(table)
