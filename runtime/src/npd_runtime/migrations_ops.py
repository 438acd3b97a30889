"""Migration operations for the tables the runtime keeps in services' databases: the outbox and the
processed-events record (every service), the access read model (every service but membership).

Each function is one step of history, called by a revision of every service; a released step is never
changed, only followed by a new one.
"""

import sqlalchemy as sa
from alembic import op

from npd_runtime.access import GROUP_MEMBERS as ACCESS_GROUP_MEMBERS
from npd_runtime.access import PEOPLE as ACCESS_PEOPLE
from npd_runtime.access import ROLES as ACCESS_ROLES
from npd_runtime.idempotency import PROCESSED_EVENTS_TABLE
from npd_runtime.outbox import OUTBOX_TABLE, drop_notify_trigger_ddl, notify_trigger_ddl


def create_messaging_tables() -> None:
    op.create_table(
        OUTBOX_TABLE,
        sa.Column("position", sa.BigInteger(), sa.Identity(always=True), primary_key=True),
        sa.Column("event_id", sa.String(64), nullable=False, unique=True),
        sa.Column("topic", sa.String(255), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("type", sa.String(255), nullable=False),
        sa.Column("source", sa.String(255), nullable=False),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_index("ix_outbox_created_at", OUTBOX_TABLE, ["created_at"])
    for statement in notify_trigger_ddl():
        op.execute(statement)
    op.create_table(
        PROCESSED_EVENTS_TABLE,
        sa.Column("consumer", sa.String(100), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("consumer", "event_id"),
    )


def add_outbox_traceparent() -> None:
    """Revision 0002 of every service: events carry the trace context of the request that caused them."""
    op.add_column(OUTBOX_TABLE, sa.Column("traceparent", sa.String(55)))


def drop_outbox_traceparent() -> None:
    op.drop_column(OUTBOX_TABLE, "traceparent")


def drop_messaging_tables() -> None:
    op.drop_table(PROCESSED_EVENTS_TABLE)
    for statement in drop_notify_trigger_ddl():
        op.execute(statement)
    op.drop_table(OUTBOX_TABLE)


def create_access_tables() -> None:
    """The access read model (npd_runtime.access), in every service that authorises from membership's events."""
    op.create_table(
        ACCESS_PEOPLE,
        sa.Column("person_id", sa.String(255), primary_key=True),
        sa.Column("organisation_id", sa.Uuid()),
        sa.Column("gone_at", sa.DateTime(timezone=True)),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        ACCESS_ROLES,
        sa.Column("person_id", sa.String(255), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("organisation_id", sa.Uuid()),
        sa.Column("held", sa.Boolean(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("person_id", "role"),
    )
    op.create_table(
        ACCESS_GROUP_MEMBERS,
        sa.Column("person_id", sa.String(255), nullable=False),
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("held", sa.Boolean(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("person_id", "group_id"),
    )


def drop_access_tables() -> None:
    for table in (ACCESS_GROUP_MEMBERS, ACCESS_ROLES, ACCESS_PEOPLE):
        op.drop_table(table)
