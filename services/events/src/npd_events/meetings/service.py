"""Meeting and series use cases: schedule, change, reschedule and cancel meetings; create series, change an
occurrence or it and all following ones, and materialise occurrences up to a horizon. Each takes the caller's
session and time, locks what it changes and writes its events to the outbox; nothing here commits.
"""

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, time, timedelta
from typing import Any
from uuid import UUID, uuid4

from npd_contracts import EventData
from npd_contracts import meetings as contracts
from npd_runtime import Principal, changed_fields, publish
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from npd_events.meetings import access, domain, recurrence
from npd_events.meetings.domain import Audience, Meeting, MeetingStatus, Plan, Series, When
from npd_events.models import GROUPS, MEETINGS, SERIES, VENUES, meetings, series
from npd_events.registrations import service as registrations
from npd_events.registrations.domain import EndReason
from npd_events.rotation import service as rotation


class MeetingNotFound(LookupError):
    def __init__(self, meeting_id: UUID) -> None:
        super().__init__(f"meeting {meeting_id} does not exist")


class SeriesNotFound(LookupError):
    def __init__(self, series_id: UUID) -> None:
        super().__init__(f"series {series_id} does not exist")


class UnknownVenue(ValueError):
    def __init__(self, venue_id: UUID) -> None:
        super().__init__(f"venue {venue_id} does not exist (or is no longer used)")


class UnknownGroup(ValueError):
    def __init__(self, group_id: UUID) -> None:
        super().__init__(f"group {group_id} does not exist (or is archived)")


class NotAnOccurrence(ValueError):
    def __init__(self, meeting_id: UUID, series_id: UUID) -> None:
        super().__init__(f"meeting {meeting_id} is not an occurrence of series {series_id}")


class SeriesEnded(Exception):
    def __init__(self, series_id: UUID) -> None:
        super().__init__(f"series {series_id} has ended")


# -- events ---------------------------------------------------------------------------------------------


async def _venue_organisation(session: AsyncSession, venue_id: UUID | None) -> UUID | None:
    if venue_id is None:
        return None
    venue = await VENUES.get(session, venue_id)
    return None if venue is None else venue.organisation_id


def scheduled(m: Meeting, venue_organisation_id: UUID | None) -> contracts.MeetingScheduled:
    return contracts.MeetingScheduled(
        meeting_id=m.id,
        series_id=m.series_id,
        title=m.title,
        format=contracts.MeetingFormat(m.format),
        audience=contracts.Audience(m.audience),
        host_group_id=m.host_group_id,
        venue_id=m.venue_id,
        venue_organisation_id=venue_organisation_id,
        online=m.online,
        starts_at=m.starts_at,
        ends_at=m.ends_at,
        time_zone=m.time_zone,
        capacity=m.capacity,
        registration_deadline=m.registration_deadline,
        scheduled_at=m.created_at,
    )


async def _revision_events(
    session: AsyncSession, before: Meeting, revision: domain.Revision, now: datetime
) -> list[EventData]:
    m = revision.meeting
    events: list[EventData] = []
    if revision.moved:
        events.append(
            contracts.MeetingRescheduled(
                meeting_id=m.id,
                starts_at=m.starts_at,
                ends_at=m.ends_at,
                time_zone=m.time_zone,
                previous_starts_at=before.starts_at,
                rescheduled_at=now,
            )
        )
    if revision.changed:
        events.append(
            contracts.MeetingChanged(
                meeting_id=m.id,
                title=m.title,
                audience=contracts.Audience(m.audience),
                venue_id=m.venue_id,
                venue_organisation_id=await _venue_organisation(session, m.venue_id),
                online=m.online,
                capacity=m.capacity,
                registration_deadline=m.registration_deadline,
                changed_at=now,
                changed=[contracts.MeetingAspect(a) for a in domain.changed_aspects(before, m)],
            )
        )
    return events


# -- meetings -------------------------------------------------------------------------------------------


async def get_meeting(session: AsyncSession, meeting_id: UUID, *, for_update: bool = False) -> Meeting:
    meeting = await MEETINGS.get(session, meeting_id, for_update=for_update)
    if meeting is None:
        raise MeetingNotFound(meeting_id)
    return meeting


async def check_references(session: AsyncSession, plan: Plan) -> None:
    """The venue and host group a plan names exist and are in use."""
    if plan.venue_id is not None:
        venue = await VENUES.get(session, plan.venue_id)
        if venue is None or venue.archived_at is not None:
            raise UnknownVenue(plan.venue_id)
    if plan.host_group_id is not None:
        group = await GROUPS.get(session, plan.host_group_id)
        if group is None or group.archived:
            raise UnknownGroup(plan.host_group_id)


async def schedule_meeting(session: AsyncSession, plan: Plan, when: When, by: Principal, now: datetime) -> Meeting:
    access.require_organiser(by, plan.host_group_id)
    meeting = domain.schedule(uuid4(), plan, when, by.person_id, now)
    await check_references(session, plan)
    venue_org = await _venue_organisation(session, plan.venue_id)
    await MEETINGS.insert(session, [meeting], events=[scheduled(meeting, venue_org)])
    return meeting


async def change_meeting(
    session: AsyncSession, meeting_id: UUID, plan: Plan, when: When, by: Principal, now: datetime
) -> Meeting:
    """Change one meeting (one occurrence alone, for a series): MeetingRescheduled if its time changed,
    MeetingChanged if anything else did; a larger capacity gives places to the waitlist."""
    meeting = await get_meeting(session, meeting_id, for_update=True)
    access.require_organiser(by, meeting.host_group_id)
    access.require_organiser(by, plan.host_group_id)
    return await _revise(session, meeting, plan, when, now, detach=True)


async def _revise(
    session: AsyncSession, meeting: Meeting, plan: Plan, when: When, now: datetime, *, detach: bool
) -> Meeting:
    revision = domain.revise(meeting, plan, when, now, detach=detach)
    if revision is None:
        return meeting
    await check_references(session, plan)
    events = await _revision_events(session, meeting, revision, now)
    await MEETINGS.update(session, revision.meeting, *changed_fields(meeting, revision.meeting), events=events)
    await registrations.fill_places(session, revision.meeting, now)
    return revision.meeting


async def cancel_meeting(session: AsyncSession, meeting_id: UUID, reason: str, by: Principal, now: datetime) -> Meeting:
    meeting = await get_meeting(session, meeting_id, for_update=True)
    access.require_organiser(by, meeting.host_group_id)
    return await _cancel(session, meeting, reason, now)


async def _cancel(session: AsyncSession, meeting: Meeting, reason: str, now: datetime) -> Meeting:
    cancelled = domain.cancel(meeting, reason, now)
    event = contracts.MeetingCancelled(meeting_id=meeting.id, reason=reason, cancelled_at=now)
    await MEETINGS.update(session, cancelled, "status", "cancel_reason", "cancelled_at", "sequence", events=[event])
    await registrations.end_all(session, cancelled, EndReason.MEETING_CANCELLED, now)
    await rotation.meeting_cancelled(session, cancelled, now)
    return cancelled


# -- series ---------------------------------------------------------------------------------------------


async def get_series(session: AsyncSession, series_id: UUID, *, for_update: bool = False) -> Series:
    found = await SERIES.get(session, series_id, for_update=for_update)
    if found is None:
        raise SeriesNotFound(series_id)
    return found


async def list_series(session: AsyncSession, *, public_only: bool, limit: int, offset: int) -> tuple[list[Series], int]:
    where = [series.c.audience == Audience.PUBLIC] if public_only else []
    total: int = (await session.execute(select(func.count()).select_from(series).where(*where))).scalar_one()
    page = SERIES.select().where(*where).order_by(series.c.created_at, series.c.id).limit(limit).offset(offset)
    return await SERIES.all(session, page), total


def _horizon(now: datetime, horizon_days: int) -> datetime:
    """Occurrences are materialised for whole local days: up to (not including) this local midnight."""
    return datetime.combine((now + timedelta(days=horizon_days)).date(), time())


async def create_series(
    session: AsyncSession, draft: Series, by: Principal, now: datetime, horizon_days: int
) -> Series:
    """Start a series (its id, creator and times are set here) and materialise its occurrences up to the horizon;
    each is a MeetingScheduled, and the rotation asks the first guest chairs that are due."""
    access.require_organiser(by, draft.host_group_id)
    recurrence.parse(draft.rule, draft.dtstart, draft.time_zone)
    plan = domain.plan_of(draft)
    plan.check()
    await check_references(session, plan)
    created = replace(
        draft, id=uuid4(), created_by=by.person_id, created_at=now, materialised_until=None, ended_at=None
    )
    # The first occurrence's time is checked like any meeting's (end after start, deadline before it).
    first = next(
        recurrence.occurrences(created.rule, created.dtstart, created.time_zone, created.dtstart, datetime.max)
    )
    domain.occurrence(created, uuid4(), first, now)
    await SERIES.insert(session, [created])
    materialised = await materialise(session, created, now, horizon_days)
    await rotation.assign_due(session, materialised, now)
    return materialised


async def materialise(session: AsyncSession, s: Series, now: datetime, horizon_days: int) -> Series:
    """Create the meetings of the series' occurrences from where it was materialised up to the horizon."""
    until = _horizon(now, horizon_days)
    if s.ended_at is not None or (s.materialised_until is not None and s.materialised_until >= until):
        return s
    since = s.materialised_until or s.dtstart
    starts = list(recurrence.occurrences(s.rule, s.dtstart, s.time_zone, since, until))
    created = [domain.occurrence(s, uuid4(), local, now) for local in starts]
    if created:
        venue_org = await _venue_organisation(session, s.venue_id)
        await MEETINGS.insert(session, created)
        await publish(session, *(scheduled(m, venue_org) for m in created))
    extended = replace(s, materialised_until=until)
    await SERIES.update(session, extended, "materialised_until")
    return extended


async def extend_all(session: AsyncSession, now: datetime, horizon_days: int) -> int:
    """Materialise every running series up to the horizon (the sweep does this as time passes)."""
    until = _horizon(now, horizon_days)
    due = (
        select(series.c.id)
        .where(series.c.ended_at.is_(None), series.c.materialised_until < until)
        .order_by(series.c.id)
    )
    count = 0
    for series_id in (await session.execute(due)).scalars():
        s = await get_series(session, series_id, for_update=True)
        await materialise(session, s, now, horizon_days)
        count += 1
    return count


async def occurrences_of(session: AsyncSession, series_id: UUID, since: datetime | None = None) -> Sequence[Meeting]:
    stmt = MEETINGS.select().where(meetings.c.series_id == series_id)
    if since is not None:
        stmt = stmt.where(meetings.c.starts_at >= since)
    return await MEETINGS.all(session, stmt.order_by(meetings.c.recurrence_id))


async def _locked_in_order(session: AsyncSession, stmt: Select[Any]) -> list[Meeting]:
    """The meetings, locked in id order (as every use case that locks several does, so none deadlock), in the
    order of their occurrence."""
    found = await MEETINGS.all(session, stmt.order_by(meetings.c.id).with_for_update())
    return sorted(found, key=lambda m: (m.starts_at, m.id))


async def change_following(
    session: AsyncSession,
    series_id: UUID,
    from_meeting_id: UUID,
    plan: Plan,
    start_time: time | None,
    duration_minutes: int | None,
    by: Principal,
    now: datetime,
) -> Series:
    """Change an occurrence and all following ones (and the occurrences still to come): their plan, and their
    time of day or length. Occurrences changed on their own before (exceptions) and cancelled ones stay."""
    s = await get_series(session, series_id, for_update=True)
    access.require_organiser(by, s.host_group_id)
    access.require_organiser(by, plan.host_group_id)
    if s.ended_at is not None:
        raise SeriesEnded(series_id)
    start = await get_meeting(session, from_meeting_id)
    if start.series_id != series_id or start.recurrence_id is None:
        raise NotAnOccurrence(from_meeting_id, series_id)
    plan.check()
    await check_references(session, plan)
    changed = replace(
        s,
        **{f: getattr(plan, f) for f in Plan.__dataclass_fields__},
        dtstart=datetime.combine(s.dtstart.date(), start_time or s.dtstart.time()),
        duration_minutes=duration_minutes or s.duration_minutes,
    )
    await SERIES.update(session, changed, *changed_fields(s, changed))
    following = MEETINGS.select().where(
        meetings.c.series_id == series_id,
        meetings.c.recurrence_id >= start.recurrence_id,
        meetings.c.status == MeetingStatus.SCHEDULED,
        meetings.c.detached.is_(False),
        meetings.c.starts_at > now,
    )
    for m in await _locked_in_order(session, following):
        await _revise(session, m, plan, domain.retimed(m, changed), now, detach=False)
    return changed


async def end_series(session: AsyncSession, series_id: UUID, reason: str, by: Principal, now: datetime) -> Series:
    """End a series: no more occurrences; those still to come are cancelled (each with its own events)."""
    s = await get_series(session, series_id, for_update=True)
    access.require_organiser(by, s.host_group_id)
    if s.ended_at is not None:
        raise SeriesEnded(series_id)
    ended = replace(s, ended_at=now)
    await SERIES.update(session, ended, "ended_at")
    upcoming = MEETINGS.select().where(
        meetings.c.series_id == series_id,
        meetings.c.status == MeetingStatus.SCHEDULED,
        meetings.c.starts_at > now,
    )
    for m in await _locked_in_order(session, upcoming):
        await _cancel(session, m, reason, now)
    return ended
