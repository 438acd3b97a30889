"""The organisations of the network as the benchmark knows them (from membership's organisation events):
what peer groups are made of. Events of one organisation arrive in order; each change is taken only if
newer than what is held, so a replay never turns the clock back. A departed organisation stays (as `left`):
the results it took part in stay as published."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from npd_contracts import (
    Envelope,
    EventData,
    MemberJoined,
    MemberLeft,
    MemberReinstated,
    MemberSuspended,
    OrganisationKind,
    OrganisationProfileChanged,
    PolicyDomain,
    SizeClass,
)
from npd_runtime import Handler
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


class PeerStatus(StrEnum):
    MEMBER = "member"
    SUSPENDED = "suspended"
    LEFT = "left"


@dataclass(frozen=True)
class Peer:
    id: UUID
    name: str
    kind: OrganisationKind
    size_class: SizeClass | None
    domains: tuple[PolicyDomain, ...]
    status: PeerStatus
    changed_at: datetime


_PROFILE = text(
    "INSERT INTO peers (id, name, kind, size_class, domains, status, changed_at) "
    "VALUES (:id, :name, :kind, :size_class, CAST(:domains AS varchar[]), :status, :at) "
    "ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind, size_class = excluded.size_class, "
    "domains = excluded.domains, status = CASE WHEN :joined THEN excluded.status ELSE peers.status END, "
    "changed_at = excluded.changed_at WHERE peers.changed_at <= excluded.changed_at"
)
_STATUS = text("UPDATE peers SET status = :status, changed_at = :at WHERE id = :id AND changed_at <= :at")


def _profile(e: Any, at: datetime, joined: bool) -> dict[str, Any]:
    return {
        "id": e.organisation_id,
        "name": e.name,
        "kind": e.kind.value,
        "size_class": e.size_class.value if e.size_class else None,
        "domains": [d.value for d in e.domains],
        "status": PeerStatus.MEMBER.value,
        "at": at,
        "joined": joined,
    }


async def on_member_joined(session: AsyncSession, events: Sequence[Envelope[MemberJoined]]) -> None:
    await session.execute(_PROFILE, [_profile(e.data, e.data.joined_at, True) for e in events])
    # A member who joins while a cycle is open is invited to it (a late joiner).
    from npd_benchmark.cycles import service as cycles  # the cycles' use cases need this module's tables

    for e in events:
        await cycles.invite_late_joiner(session, e.data.organisation_id, e.data.joined_at)


async def on_profile_changed(session: AsyncSession, events: Sequence[Envelope[OrganisationProfileChanged]]) -> None:
    await session.execute(_PROFILE, [_profile(e.data, e.data.changed_at, False) for e in events])


async def on_member_suspended(session: AsyncSession, events: Sequence[Envelope[MemberSuspended]]) -> None:
    rows = [{"id": e.data.organisation_id, "status": "suspended", "at": e.data.suspended_at} for e in events]
    await session.execute(_STATUS, rows)


async def on_member_reinstated(session: AsyncSession, events: Sequence[Envelope[MemberReinstated]]) -> None:
    rows = [{"id": e.data.organisation_id, "status": "member", "at": e.data.reinstated_at} for e in events]
    await session.execute(_STATUS, rows)


async def on_member_left(session: AsyncSession, events: Sequence[Envelope[MemberLeft]]) -> None:
    rows = [{"id": e.data.organisation_id, "status": "left", "at": e.data.left_at} for e in events]
    await session.execute(_STATUS, rows)


HANDLERS: Mapping[type[EventData], Handler] = {
    MemberJoined: on_member_joined,
    OrganisationProfileChanged: on_profile_changed,
    MemberSuspended: on_member_suspended,
    MemberReinstated: on_member_reinstated,
    MemberLeft: on_member_left,
}
