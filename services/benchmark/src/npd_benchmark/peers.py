"""The organisations of the network as the benchmark knows them (from membership's organisation events,
through handlers.py): what peer groups are made of. Events of one organisation arrive in order; each change
is taken only if newer than what is held, so a replay never turns the clock back. A departed organisation
stays (as `left`): the results it took part in stay as published."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from npd_contracts import OrganisationKind, PolicyDomain, SizeClass
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


async def take_profiles(session: AsyncSession, events: Sequence[Any], *, joined: bool) -> None:
    """MemberJoined or OrganisationProfileChanged data, with when each happened."""
    at = "joined_at" if joined else "changed_at"
    await session.execute(_PROFILE, [_profile(e, getattr(e, at), joined) for e in events])


async def take_status(session: AsyncSession, changes: list[tuple[UUID, PeerStatus, datetime]]) -> None:
    rows = [{"id": org, "status": status.value, "at": at} for org, status, at in changes]
    await session.execute(_STATUS, rows)
