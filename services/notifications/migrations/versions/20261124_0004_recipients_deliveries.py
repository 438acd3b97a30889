"""recipients read model, messages and deliveries, inbox archive, preferences, webhook subscriptions

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NOW = sa.text("clock_timestamp()")


def upgrade() -> None:
    op.create_table(
        "recipients",
        sa.Column("person_id", sa.String(255), primary_key=True),
        sa.Column("organisation_id", sa.Uuid()),
        sa.Column("name", sa.String(200)),
        sa.Column("language", sa.String(8)),
        sa.Column("email", sa.String(320)),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True)),
        sa.Column("contact_changed_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_recipients_organisation", "recipients", ["organisation_id"])
    op.create_table(
        "recipient_organisations",
        sa.Column("organisation_id", sa.Uuid(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("member", sa.Boolean(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "recipient_groups",
        sa.Column("group_id", sa.Uuid(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "messages",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("source_event_id", sa.String(64), nullable=False),
        sa.Column("rule", sa.String(80), nullable=False),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("title_nl", sa.String(300), nullable=False),
        sa.Column("body_nl", sa.Text(), nullable=False),
        sa.Column("title_en", sa.String(300), nullable=False),
        sa.Column("body_en", sa.Text(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("about_person_id", sa.String(255)),
        sa.Column("organisation_id", sa.Uuid()),
        sa.Column("event_type", sa.String(255)),
        sa.Column("payload", JSONB()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=_NOW),
    )
    op.create_index("ix_messages_about_person", "messages", ["about_person_id"])
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("message_id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("recipient", sa.String(255), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("cadence", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False, server_default=_NOW),
        sa.Column("lease_until", sa.DateTime(timezone=True)),
        sa.Column("last_error", sa.String(500)),
        sa.Column("response_status", sa.Integer()),
        sa.Column("digest_id", sa.Uuid()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=_NOW),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("recipient", "channel", "message_id", name="uq_deliveries_message_recipient_channel"),
    )
    op.create_index(
        "ix_deliveries_due", "deliveries", ["next_attempt_at"], postgresql_where=sa.text("status = 'pending'")
    )
    op.create_index("ix_deliveries_held", "deliveries", ["recipient"], postgresql_where=sa.text("status = 'held'"))
    op.alter_column("notifications", "kind", type_=sa.String(80))
    op.add_column("notifications", sa.Column("message_id", sa.Uuid()))
    op.add_column("notifications", sa.Column("category", sa.String(40)))
    op.add_column("notifications", sa.Column("archived_at", sa.DateTime(timezone=True)))
    op.create_index(
        "uq_notifications_message_recipient", "notifications", ["message_id", "recipient_person_id"], unique=True
    )
    op.create_table(
        "preferences",
        sa.Column("person_id", sa.String(255), nullable=False),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("cadence", sa.String(20), nullable=False),
        sa.PrimaryKeyConstraint("person_id", "category", "channel"),
    )
    op.create_table(
        "preference_settings",
        sa.Column("person_id", sa.String(255), primary_key=True),
        sa.Column("time_zone", sa.String(64), nullable=False),
    )
    op.create_table(
        "webhook_subscriptions",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("organisation_id", sa.Uuid()),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("event_types", sa.ARRAY(sa.String(255)), nullable=False),
        sa.Column("description", sa.String(300), nullable=False, server_default=""),
        sa.Column("secret", sa.String(100), nullable=False),
        sa.Column("previous_secret", sa.String(100)),
        sa.Column("previous_secret_until", sa.DateTime(timezone=True)),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("disabled_at", sa.DateTime(timezone=True)),
        sa.Column("created_by", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=_NOW),
    )
    op.create_index("ix_webhook_subscriptions_types", "webhook_subscriptions", ["event_types"], postgresql_using="gin")


def downgrade() -> None:
    op.drop_table("webhook_subscriptions")
    op.drop_table("preference_settings")
    op.drop_table("preferences")
    op.drop_index("uq_notifications_message_recipient", "notifications")
    op.drop_column("notifications", "archived_at")
    op.drop_column("notifications", "category")
    op.drop_column("notifications", "message_id")
    op.drop_table("deliveries")
    op.drop_table("messages")
    op.drop_table("recipient_groups")
    op.drop_table("recipient_organisations")
    op.drop_table("recipients")
