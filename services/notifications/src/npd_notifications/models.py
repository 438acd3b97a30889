"""Tables owned by the notifications service, and the one mapping of each entity onto its table."""

from npd_runtime import Entity, Enum, access_tables, messaging_tables
from sqlalchemy import Column, DateTime, Index, MetaData, String, Table, Text, Uuid, text

from npd_notifications.domain import Kind, Notification

metadata = MetaData()
messaging_tables(metadata)
access_tables(metadata)  # who may do what, from membership's person events

notifications = Table(
    "notifications",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("recipient_person_id", String(255), nullable=False),
    Column("kind", Enum(Kind, 40), nullable=False),
    Column("title", String(300), nullable=False),
    Column("body", Text, nullable=False),
    Column("organisation_id", Uuid),
    # clock_timestamp, not now(): the moment the row was written, which latency measurements rely on.
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("clock_timestamp()")),
    Column("read_at", DateTime(timezone=True)),
    Index("ix_notifications_recipient_created", "recipient_person_id", text("created_at DESC")),
)

NOTIFICATIONS = Entity(Notification, notifications)
