"""Tables owned by the notifications service, and the one mapping of each entity onto its table.

Two kinds: the recipients read model (recipients, recipient_organisations, recipient_groups, and the
runtime's access tables for roles and groups), built only from events and rebuilt by replaying them
(npd_notifications.rebuild); and what this service owns (messages, deliveries, the inbox, preferences,
webhook subscriptions), which a rebuild leaves alone.
"""

from npd_runtime import Entity, access_tables, messaging_tables
from sqlalchemy import (
    ARRAY,
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from npd_notifications.domain import Message, Notification

metadata = MetaData()
messaging_tables(metadata)
access_tables(metadata)  # who may do what, and who holds which role and group, from membership's person events

_NOW = text("clock_timestamp()")

# -- the recipients read model -------------------------------------------------------------------------------

recipients = Table(
    "recipients",
    metadata,
    Column("person_id", String(255), primary_key=True),
    Column("organisation_id", Uuid),
    Column("name", String(200)),
    Column("language", String(8)),
    Column("email", String(320)),
    Column("active", Boolean, nullable=False),
    Column("changed_at", DateTime(timezone=True)),
    Column("contact_changed_at", DateTime(timezone=True)),
    Index("ix_recipients_organisation", "organisation_id"),
)

recipient_organisations = Table(
    "recipient_organisations",
    metadata,
    Column("organisation_id", Uuid, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("member", Boolean, nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
)

recipient_groups = Table(
    "recipient_groups",
    metadata,
    Column("group_id", Uuid, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("archived", Boolean, nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
)

# From other services' events, only what audiences need: a meeting's audience and title, who holds a place,
# who submitted a paper, which organisations a benchmark cycle invited.
recipient_meetings = Table(
    "recipient_meetings",
    metadata,
    Column("meeting_id", Uuid, primary_key=True),
    Column("title", String(200), nullable=False),
    Column("audience", String(20), nullable=False),
    Column("host_group_id", Uuid),
    Column("changed_at", DateTime(timezone=True), nullable=False),
)

meeting_registrations = Table(
    "meeting_registrations",
    metadata,
    Column("meeting_id", Uuid, nullable=False),
    Column("person_id", String(255), nullable=False),
    Column("waitlisted", Boolean, nullable=False),  # on the waitlist, not holding a place
    PrimaryKeyConstraint("meeting_id", "person_id"),
    Index("ix_meeting_registrations_person", "person_id"),
)

# Who follows a pilot (PilotFollowed / PilotUnfollowed): the audience of its news.
pilot_followers = Table(
    "pilot_followers",
    metadata,
    Column("pilot_id", Uuid, nullable=False),
    Column("person_id", String(255), nullable=False),
    PrimaryKeyConstraint("pilot_id", "person_id"),
    Index("ix_pilot_followers_person", "person_id"),
)

paper_submitters = Table(
    "paper_submitters",
    metadata,
    Column("paper_id", Uuid, primary_key=True),
    Column("title", String(200), nullable=False),
    Column("submitter_id", String(255), nullable=False),
    Index("ix_paper_submitters_person", "submitter_id"),
)

benchmark_invitations = Table(
    "benchmark_invitations",
    metadata,
    Column("cycle_id", Uuid, nullable=False),
    Column("organisation_id", Uuid, nullable=False),
    PrimaryKeyConstraint("cycle_id", "organisation_id"),
)

# -- what was said, to whom, and how it went -----------------------------------------------------------------

messages = Table(
    "messages",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("source_event_id", String(64), nullable=False),
    Column("rule", String(80), nullable=False),
    Column("category", String(40), nullable=False),
    Column("title_nl", String(300), nullable=False),
    Column("body_nl", Text, nullable=False),
    Column("title_en", String(300), nullable=False),
    Column("body_en", Text, nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("about_person_id", String(255)),
    Column("organisation_id", Uuid),
    Column("event_type", String(255)),
    Column("payload", JSONB),  # the event as a webhook sends it; none for what only people are told
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=_NOW),
    Index("ix_messages_about_person", "about_person_id"),
)

MESSAGES = Entity(Message, messages)

# One row per (message, recipient, channel): a person (e-mail) or a webhook subscription. Its id is the
# Message-ID of the mail and the webhook-id of the call, so a resend after a crash is recognisable.
deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Uuid, primary_key=True),
    # No foreign key to messages: its check per row would cost a fan-out of 200,000 a third of its time
    # (decision 65); erasure deletes a message's deliveries and inbox items itself.
    Column("message_id", Uuid, nullable=False),
    Column("channel", String(20), nullable=False),  # email | webhook
    Column("recipient", String(255), nullable=False),
    Column("status", String(20), nullable=False),  # held (for a digest) | pending | sent | failed | digested
    Column("cadence", String(20), nullable=False),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False, server_default=_NOW),
    Column("lease_until", DateTime(timezone=True)),
    Column("last_error", String(500)),
    Column("response_status", Integer),
    Column("digest_id", Uuid),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=_NOW),
    Column("finished_at", DateTime(timezone=True)),
    # Recipient first: the key also finds a person's or a subscription's deliveries (erasure, delivery log),
    # so a fan-out maintains one index fewer.
    UniqueConstraint("recipient", "channel", "message_id", name="uq_deliveries_message_recipient_channel"),
    Index("ix_deliveries_due", "next_attempt_at", postgresql_where=text("status = 'pending'")),
    Index("ix_deliveries_held", "recipient", postgresql_where=text("status = 'held'")),
)

notifications = Table(
    "notifications",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("recipient_person_id", String(255), nullable=False),
    Column("kind", String(80), nullable=False),
    Column("title", String(300), nullable=False),
    Column("body", Text, nullable=False),
    Column("organisation_id", Uuid),
    # clock_timestamp, not now(): the moment the row was written, which latency measurements rely on.
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=_NOW),
    Column("read_at", DateTime(timezone=True)),
    Column("message_id", Uuid),
    Column("category", String(40)),
    Column("archived_at", DateTime(timezone=True)),
    Index("ix_notifications_recipient_created", "recipient_person_id", text("created_at DESC")),
    Index("uq_notifications_message_recipient", "message_id", "recipient_person_id", unique=True),
)

NOTIFICATIONS = Entity(Notification, notifications)

# -- what people and operators chose ------------------------------------------------------------------------

preferences = Table(
    "preferences",
    metadata,
    Column("person_id", String(255), nullable=False),
    Column("category", String(40), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("cadence", String(20), nullable=False),
    PrimaryKeyConstraint("person_id", "category", "channel"),
)

preference_settings = Table(
    "preference_settings",
    metadata,
    Column("person_id", String(255), primary_key=True),
    Column("time_zone", String(64), nullable=False),
)

webhook_subscriptions = Table(
    "webhook_subscriptions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("organisation_id", Uuid),  # none: a network subscription, managed by network admins
    Column("url", String(2000), nullable=False),
    Column("event_types", ARRAY(String(255)), nullable=False),
    Column("description", String(300), nullable=False, server_default=""),
    Column("secret", String(100), nullable=False),
    Column("previous_secret", String(100)),
    Column("previous_secret_until", DateTime(timezone=True)),
    Column("enabled", Boolean, nullable=False),
    Column("consecutive_failures", Integer, nullable=False, server_default=text("0")),
    Column("disabled_at", DateTime(timezone=True)),
    Column("created_by", String(255), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=_NOW),
    Index("ix_webhook_subscriptions_types", "event_types", postgresql_using="gin"),
)
