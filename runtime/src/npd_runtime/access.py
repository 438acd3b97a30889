"""The access read model every service but membership keeps: who holds which role and group, built from
membership's person events, so a service authorises from its own database within seconds of a change.

Events of one person arrive in order (one topic, keyed by person), and the consumer drops redeliveries.
The model still takes each change only if it is newer than what it holds (last writer wins on the event's
own time), so a late or replayed grant never brings back a role that was revoked after it: a revocation
leaves a row with `held` false, and a person who left or was erased leaves only their id and when.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from npd_contracts import (
    Envelope,
    EventData,
    PersonErased,
    PersonGroupRoleChanged,
    PersonJoinedGroup,
    PersonLeft,
    PersonLeftGroup,
    PersonRegistered,
    PersonRoleGranted,
    PersonRoleRevoked,
)
from sqlalchemy import Boolean, Column, DateTime, MetaData, PrimaryKeyConstraint, String, Table, Uuid, text
from sqlalchemy.ext.asyncio import AsyncSession

from npd_runtime.auth import Access, access_of
from npd_runtime.consumer import Handler
from npd_runtime.reads import Query

PEOPLE, ROLES, GROUP_MEMBERS = "access_people", "access_roles", "access_group_members"


def access_tables(metadata: MetaData) -> None:
    """Add the read model's tables to a service's metadata, so its migrations and `alembic check` know them."""
    Table(
        PEOPLE,
        metadata,
        Column("person_id", String(255), primary_key=True),
        Column("organisation_id", Uuid),
        Column("gone_at", DateTime(timezone=True)),  # left or erased: nothing else of them is kept
        Column("changed_at", DateTime(timezone=True), nullable=False),
    )
    Table(
        ROLES,
        metadata,
        Column("person_id", String(255), nullable=False),
        Column("role", String(20), nullable=False),
        Column("organisation_id", Uuid),
        Column("held", Boolean, nullable=False),
        Column("changed_at", DateTime(timezone=True), nullable=False),
        PrimaryKeyConstraint("person_id", "role"),
    )
    Table(
        GROUP_MEMBERS,
        metadata,
        Column("person_id", String(255), nullable=False),
        Column("group_id", Uuid, nullable=False),
        Column("role", String(20), nullable=False),
        Column("held", Boolean, nullable=False),
        Column("changed_at", DateTime(timezone=True), nullable=False),
        PrimaryKeyConstraint("person_id", "group_id"),
    )


# -- loading -------------------------------------------------------------------------------------------

# One round trip per load: the person, their roles and their groups as (kind, id, role) rows.
_LOAD = text(
    f"SELECT 'person', CAST(organisation_id AS text), CAST(NULL AS text) FROM {PEOPLE} "
    "WHERE person_id = :person_id AND gone_at IS NULL "
    f"UNION ALL SELECT 'role', CAST(organisation_id AS text), role FROM {ROLES} WHERE person_id = :person_id AND held "
    f"UNION ALL SELECT 'group', CAST(group_id AS text), role FROM {GROUP_MEMBERS} "
    "WHERE person_id = :person_id AND held"
)


ACCESS = Query(_LOAD)
"""The access query of a service that keeps this read model (ServiceSpec.access, Principals)."""


async def load_access(session: AsyncSession, person_id: str) -> Access:
    """A person's access as the session sees it: inside a transaction, with what it has written."""
    return access_of(await session.execute(_LOAD, {"person_id": person_id}))


# -- handlers ------------------------------------------------------------------------------------------

# Parameters used twice are cast alike, or PostgreSQL deduces two types for one.
_NOT_GONE_SINCE = (
    f"WHERE NOT EXISTS (SELECT 1 FROM {PEOPLE} "
    "WHERE person_id = CAST(:person_id AS varchar) AND gone_at >= CAST(:at AS timestamptz))"
)

_REGISTER = text(
    f"INSERT INTO {PEOPLE} (person_id, organisation_id, gone_at, changed_at) "
    "VALUES (:person_id, CAST(:organisation_id AS uuid), NULL, CAST(:at AS timestamptz)) "
    "ON CONFLICT (person_id) DO UPDATE SET organisation_id = excluded.organisation_id, gone_at = NULL, "
    f"changed_at = excluded.changed_at WHERE {PEOPLE}.changed_at < excluded.changed_at"
)
_GRANT = text(
    f"INSERT INTO {ROLES} (person_id, role, organisation_id, held, changed_at) "
    "SELECT CAST(:person_id AS varchar), :role, CAST(:organisation_id AS uuid), true, CAST(:at AS timestamptz) "
    f"{_NOT_GONE_SINCE} ON CONFLICT (person_id, role) DO UPDATE SET organisation_id = excluded.organisation_id, "
    f"held = true, changed_at = excluded.changed_at WHERE {ROLES}.changed_at < excluded.changed_at"
)
# A revocation wins a tie with a grant: of two changes at one instant, the one that takes access away.
_REVOKE = text(
    f"INSERT INTO {ROLES} (person_id, role, organisation_id, held, changed_at) "
    "VALUES (:person_id, :role, CAST(:organisation_id AS uuid), false, CAST(:at AS timestamptz)) "
    "ON CONFLICT (person_id, role) DO UPDATE SET held = false, changed_at = excluded.changed_at "
    f"WHERE {ROLES}.changed_at <= excluded.changed_at"
)
_IN_GROUP = text(
    f"INSERT INTO {GROUP_MEMBERS} (person_id, group_id, role, held, changed_at) "
    "SELECT CAST(:person_id AS varchar), CAST(:group_id AS uuid), :role, true, CAST(:at AS timestamptz) "
    f"{_NOT_GONE_SINCE} ON CONFLICT (person_id, group_id) DO UPDATE SET role = excluded.role, held = true, "
    f"changed_at = excluded.changed_at WHERE {GROUP_MEMBERS}.changed_at < excluded.changed_at"
)
_OUT_OF_GROUP = text(
    f"INSERT INTO {GROUP_MEMBERS} (person_id, group_id, role, held, changed_at) "
    "VALUES (:person_id, CAST(:group_id AS uuid), 'member', false, CAST(:at AS timestamptz)) "
    "ON CONFLICT (person_id, group_id) DO UPDATE SET held = false, changed_at = excluded.changed_at "
    f"WHERE {GROUP_MEMBERS}.changed_at <= excluded.changed_at"
)
# The person's id and when they went stay, so a late grant from before cannot bring them back; their
# organisation, roles and groups go, unless something newer (a return) came first.
_GONE = text(
    f"WITH gone AS (INSERT INTO {PEOPLE} (person_id, organisation_id, gone_at, changed_at) "
    "VALUES (:person_id, NULL, CAST(:at AS timestamptz), CAST(:at AS timestamptz)) "
    "ON CONFLICT (person_id) DO UPDATE SET organisation_id = NULL, gone_at = excluded.gone_at, "
    f"changed_at = excluded.changed_at WHERE {PEOPLE}.changed_at <= excluded.changed_at "
    "RETURNING person_id, gone_at), "
    f"roles AS (DELETE FROM {ROLES} r USING gone WHERE r.person_id = gone.person_id AND r.changed_at <= gone.gone_at) "
    f"DELETE FROM {GROUP_MEMBERS} g USING gone WHERE g.person_id = gone.person_id AND g.changed_at <= gone.gone_at"
)


async def _each(session: AsyncSession, statement: Any, rows: list[dict[str, Any]]) -> None:
    # executemany: one statement for the batch, applied row by row, so one person's changes in a batch
    # take effect in their order.
    await session.execute(statement, rows)


async def on_person_registered(session: AsyncSession, events: Sequence[Envelope[PersonRegistered]]) -> None:
    rows = [
        {"person_id": e.data.person_id, "organisation_id": e.data.organisation_id, "at": e.data.registered_at}
        for e in events
    ]
    await _each(session, _REGISTER, rows)


async def on_person_role_granted(session: AsyncSession, events: Sequence[Envelope[PersonRoleGranted]]) -> None:
    rows = [
        {
            "person_id": e.data.person_id,
            "role": e.data.role.value,
            "organisation_id": e.data.organisation_id,
            "at": e.data.granted_at,
        }
        for e in events
    ]
    await _each(session, _GRANT, rows)


async def on_person_role_revoked(session: AsyncSession, events: Sequence[Envelope[PersonRoleRevoked]]) -> None:
    rows = [
        {
            "person_id": e.data.person_id,
            "role": e.data.role.value,
            "organisation_id": e.data.organisation_id,
            "at": e.data.revoked_at,
        }
        for e in events
    ]
    await _each(session, _REVOKE, rows)


async def on_person_joined_group(session: AsyncSession, events: Sequence[Envelope[PersonJoinedGroup]]) -> None:
    rows = [
        {"person_id": e.data.person_id, "group_id": e.data.group_id, "role": e.data.role.value, "at": e.data.joined_at}
        for e in events
    ]
    await _each(session, _IN_GROUP, rows)


async def on_person_group_role_changed(
    session: AsyncSession, events: Sequence[Envelope[PersonGroupRoleChanged]]
) -> None:
    rows = [
        {"person_id": e.data.person_id, "group_id": e.data.group_id, "role": e.data.role.value, "at": e.data.changed_at}
        for e in events
    ]
    await _each(session, _IN_GROUP, rows)


async def on_person_left_group(session: AsyncSession, events: Sequence[Envelope[PersonLeftGroup]]) -> None:
    rows = [{"person_id": e.data.person_id, "group_id": e.data.group_id, "at": e.data.left_at} for e in events]
    await _each(session, _OUT_OF_GROUP, rows)


async def on_person_left(session: AsyncSession, events: Sequence[Envelope[PersonLeft]]) -> None:
    await _each(session, _GONE, [{"person_id": e.data.person_id, "at": e.data.left_at} for e in events])


async def on_person_erased(session: AsyncSession, events: Sequence[Envelope[PersonErased]]) -> None:
    await _each(session, _GONE, [{"person_id": e.data.person_id, "at": e.data.erased_at} for e in events])


ACCESS_HANDLERS: Mapping[type[EventData], Handler] = {
    PersonRegistered: on_person_registered,
    PersonRoleGranted: on_person_role_granted,
    PersonRoleRevoked: on_person_role_revoked,
    PersonJoinedGroup: on_person_joined_group,
    PersonGroupRoleChanged: on_person_group_role_changed,
    PersonLeftGroup: on_person_left_group,
    PersonLeft: on_person_left,
    PersonErased: on_person_erased,
}


def with_access_handlers(handlers: Mapping[type[EventData], Handler]) -> dict[type[EventData], Handler]:
    """A service's handlers plus the read model's; where both handle an event, the read model goes first,
    then the service's handler, in the same transaction."""
    merged: dict[type[EventData], Handler] = dict(ACCESS_HANDLERS)
    for event, handler in handlers.items():
        merged[event] = _both(merged[event], handler) if event in merged else handler
    return merged


def _both(first: Handler, then: Handler) -> Handler:
    async def handle(session: AsyncSession, events: Sequence[Envelope[Any]]) -> None:
        await first(session, events)
        await then(session, events)

    return handle
