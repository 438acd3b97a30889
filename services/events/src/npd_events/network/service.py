"""The read models of member organisations and groups: each change is taken only if it is newer than what is
kept (last writer wins on the event's own time), so a replayed or late event never undoes a later one."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from npd_events.network.domain import GroupKind, OrganisationKind, OrganisationStatus

_JOINED = text(
    "INSERT INTO organisations (id, name, kind, status, joined_at, changed_at) "
    "VALUES (:id, :name, :kind, 'member', :at, :at) ON CONFLICT (id) DO UPDATE SET name = excluded.name, "
    "kind = excluded.kind, status = 'member', joined_at = excluded.joined_at, changed_at = excluded.changed_at "
    "WHERE organisations.changed_at <= excluded.changed_at"
)
_PROFILE = text(
    "UPDATE organisations SET name = :name, kind = :kind, changed_at = :at WHERE id = :id AND changed_at <= :at"
)
_STATUS = text("UPDATE organisations SET status = :status, changed_at = :at WHERE id = :id AND changed_at <= :at")

_GROUP = text(
    "INSERT INTO groups (id, name, kind, archived, changed_at) VALUES (:id, :name, :kind, false, :at) "
    "ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind, changed_at = excluded.changed_at "
    "WHERE groups.changed_at <= excluded.changed_at"
)
_GROUP_RENAMED = text("UPDATE groups SET name = :name, changed_at = :at WHERE id = :id AND changed_at <= :at")
_GROUP_ARCHIVED = text("UPDATE groups SET archived = true, changed_at = :at WHERE id = :id AND changed_at <= :at")


async def organisation_joined(
    session: AsyncSession, organisation_id: UUID, name: str, kind: OrganisationKind, at: datetime
) -> None:
    await session.execute(_JOINED, {"id": organisation_id, "name": name, "kind": kind.value, "at": at})


async def organisation_changed(
    session: AsyncSession, organisation_id: UUID, name: str, kind: OrganisationKind, at: datetime
) -> None:
    await session.execute(_PROFILE, {"id": organisation_id, "name": name, "kind": kind.value, "at": at})


async def organisation_status(
    session: AsyncSession, organisation_id: UUID, status: OrganisationStatus, at: datetime
) -> None:
    await session.execute(_STATUS, {"id": organisation_id, "status": status.value, "at": at})


async def group_created(session: AsyncSession, group_id: UUID, name: str, kind: GroupKind, at: datetime) -> None:
    await session.execute(_GROUP, {"id": group_id, "name": name, "kind": kind.value, "at": at})


async def group_renamed(session: AsyncSession, group_id: UUID, name: str, at: datetime) -> None:
    await session.execute(_GROUP_RENAMED, {"id": group_id, "name": name, "at": at})


async def group_archived(session: AsyncSession, group_id: UUID, at: datetime) -> None:
    await session.execute(_GROUP_ARCHIVED, {"id": group_id, "at": at})
