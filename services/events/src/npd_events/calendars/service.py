"""Calendar feed use cases: make (or remake) a person's feed token, revoke it, and read the feeds a token
opens: the person's own (meetings they hold a place at, and meetings of their groups) and a group's.

A feed shows meetings from 90 days back onwards, cancelled ones included (STATUS:CANCELLED) so that calendar
clients take them out. A token works only while its person is in the network.
"""

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from npd_runtime import load_access
from sqlalchemy import ColumnElement, Select, func, select, union, update
from sqlalchemy.ext.asyncio import AsyncSession

from npd_events.calendars import domain
from npd_events.calendars.domain import FeedToken
from npd_events.calendars.ical import CalendarEvent
from npd_events.models import FEED_TOKENS, GROUPS, MEETINGS, VENUES, feed_tokens, meetings, registrations, venues
from npd_events.registrations.domain import EndReason, RegistrationStatus

HISTORY = timedelta(days=90)


class GroupNotFound(LookupError):
    def __init__(self, group_id: UUID) -> None:
        super().__init__(f"group {group_id} does not exist")


class NoFeed(LookupError):
    def __init__(self, person_id: str) -> None:
        super().__init__(f"person {person_id!r} has no calendar feed address to revoke")


@dataclass(frozen=True)
class Feed:
    name: str
    events: list[CalendarEvent]


def _now() -> datetime:
    return datetime.now(UTC)


async def _revoke(session: AsyncSession, person_id: str, now: datetime) -> int:
    live = (feed_tokens.c.person_id == person_id) & feed_tokens.c.revoked_at.is_(None)
    done = await session.execute(update(feed_tokens).where(live).values(revoked_at=now))
    return int(done.rowcount)  # type: ignore[attr-defined]


async def create_token(session: AsyncSession, person_id: str) -> tuple[str, FeedToken]:
    """A new token for the person (the old one, if any, stops working): returned once, only its hash kept."""
    now = _now()
    await _revoke(session, person_id, now)
    token = secrets.token_urlsafe(32)
    row = FeedToken(domain.hash_token(token), person_id, now, None)
    await FEED_TOKENS.insert(session, [row])
    return token, row


async def revoke(session: AsyncSession, person_id: str) -> None:
    if not await _revoke(session, person_id, _now()):
        raise NoFeed(person_id)


async def owner_of(session: AsyncSession, token: str) -> tuple[str, frozenset[UUID]]:
    """The token's person and their groups; refused when the token is unknown, revoked, or its person is no
    longer in the network."""
    found = domain.usable(await FEED_TOKENS.get(session, domain.hash_token(token)))
    assert found.person_id is not None
    access = await load_access(session, found.person_id)
    if not access.roles:
        raise domain.FeedRevoked(found)
    return found.person_id, frozenset(access.groups)


def _meetings(where: ColumnElement[bool], since: datetime) -> Select[Any]:
    return (
        select(*MEETINGS.table.c, meetings.c.updated_at.label("changed_at"))
        .where(where, meetings.c.ends_at >= since)
        .order_by(meetings.c.starts_at, meetings.c.id)
    )


def personal_statement(person_id: str, groups: frozenset[UUID], since: datetime) -> Select[Any]:
    """The meetings of a person's feed: where they hold a place (or held one until it was cancelled), and
    those their groups hold. One id list from two index scans (registrations by person, meetings by host
    group), not an OR, which would make PostgreSQL read every meeting in the window."""
    holding = (registrations.c.status.in_([RegistrationStatus.CONFIRMED.value, RegistrationStatus.OFFERED.value])) | (
        registrations.c.end_reason == EndReason.MEETING_CANCELLED.value
    )
    ids = select(registrations.c.meeting_id).where(registrations.c.person_id == person_id, holding)
    if groups:
        hosted = select(meetings.c.id).where(meetings.c.host_group_id.in_(groups), meetings.c.ends_at >= since)
        return _meetings(meetings.c.id.in_(union(ids, hosted)), since)
    return _meetings(meetings.c.id.in_(ids), since)


def group_statement(group_id: UUID, since: datetime) -> Select[Any]:
    return _meetings(meetings.c.host_group_id == group_id, since)


def venues_statement(venue_ids: set[UUID]) -> Select[Any]:
    return VENUES.select().where(venues.c.id.in_(venue_ids))


async def _feed(session: AsyncSession, stmt: Select[Any]) -> list[CalendarEvent]:
    rows = (await session.execute(stmt)).all()
    venue_ids = {row.venue_id for row in rows if row.venue_id is not None}
    places = {v.id: v for v in await VENUES.all(session, venues_statement(venue_ids))} if venue_ids else {}
    events = []
    for row in rows:
        meeting = MEETINGS.load(row)
        venue = places.get(meeting.venue_id) if meeting.venue_id else None
        events.append(domain.event_of(meeting, venue, meeting.online_url, row.changed_at))
    return events


async def personal_feed(session: AsyncSession, person_id: str, groups: frozenset[UUID]) -> Feed:
    return Feed("NPD: mijn bijeenkomsten", await _feed(session, personal_statement(person_id, groups, since())))


async def group_feed(session: AsyncSession, group_id: UUID) -> Feed:
    group = await GROUPS.get(session, group_id)
    if group is None:
        raise GroupNotFound(group_id)
    return Feed(f"NPD: {group.name}", await _feed(session, group_statement(group_id, since())))


def since() -> datetime:
    return _now() - HISTORY


async def erase(session: AsyncSession, person_ids: Sequence[str], now: datetime) -> None:
    """PersonErased: their feed addresses stop working and no longer say whose they were."""
    mine = feed_tokens.c.person_id.in_(person_ids)
    revoked = func.coalesce(feed_tokens.c.revoked_at, now)
    await session.execute(update(feed_tokens).where(mine).values(person_id=None, revoked_at=revoked))
