"""Guest-chair rotation use cases: ask organisations to chair the occurrences of a series that are due (within
the series' lead time), in the fair order of `domain.next_chair`; a decline, a departure from the network or a
cancelled meeting ends an assignment and the next organisation is asked. Assignments of one series are made
under the series' row lock, so two sweeps or handlers never pick for it at once.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta
from uuid import UUID, uuid4

from npd_contracts import meetings as contracts
from npd_runtime import Principal
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from npd_events.meetings import access
from npd_events.meetings.domain import Meeting, MeetingStatus, Series
from npd_events.models import GUEST_CHAIRS, MEETINGS, SERIES, guest_chairs, meetings, organisations, series
from npd_events.network.domain import OrganisationStatus
from npd_events.rotation import domain
from npd_events.rotation.domain import Candidate, ChairStatus, GuestChair


class NotTheChairsAdmin(PermissionError):
    def __init__(self, organisation_id: UUID) -> None:
        super().__init__(f"only admins of organisation {organisation_id}, the organisers and network admins decline")


_END_REASON = {
    ChairStatus.DECLINED: contracts.ChairEndReason.DECLINED,
    ChairStatus.LEFT: contracts.ChairEndReason.ORGANISATION_LEFT,
    ChairStatus.CANCELLED: contracts.ChairEndReason.MEETING_CANCELLED,
}


def _assigned(c: GuestChair) -> contracts.GuestChairAssigned:
    return contracts.GuestChairAssigned(
        meeting_id=c.meeting_id,
        series_id=c.series_id,
        organisation_id=c.organisation_id,
        rotation_round=c.round,
        assigned_at=c.assigned_at,
    )


def _declined(c: GuestChair) -> contracts.GuestChairDeclined:
    assert c.ended_at is not None
    return contracts.GuestChairDeclined(
        meeting_id=c.meeting_id,
        series_id=c.series_id,
        organisation_id=c.organisation_id,
        reason=_END_REASON[c.status],
        declined_at=c.ended_at,
    )


async def history(session: AsyncSession, series_id: UUID) -> list[GuestChair]:
    """Every organisation asked, by occurrence; for one occurrence, those whose turn ended before the current one."""
    stmt = (
        GUEST_CHAIRS.select()
        .join(meetings, meetings.c.id == guest_chairs.c.meeting_id)
        .where(guest_chairs.c.series_id == series_id)
        .order_by(meetings.c.starts_at, guest_chairs.c.ended_at.asc().nulls_last(), guest_chairs.c.assigned_at)
    )
    return await GUEST_CHAIRS.all(session, stmt)


async def _eligible(session: AsyncSession, s: Series) -> list[Candidate]:
    stmt = select(organisations.c.id, organisations.c.name, organisations.c.joined_at).where(
        organisations.c.status == OrganisationStatus.MEMBER,
        organisations.c.kind.in_([k.value for k in s.rotation_kinds]),
    )
    return [Candidate(row.id, row.name, row.joined_at) for row in await session.execute(stmt)]


async def _ask_next(session: AsyncSession, s: Series, meeting_id: UUID, now: datetime) -> GuestChair | None:
    pick = domain.next_chair(await history(session, s.id), await _eligible(session, s), meeting_id)
    if pick is None:
        return None
    chair = domain.assign(uuid4(), s.id, meeting_id, pick, now)
    await GUEST_CHAIRS.insert(session, [chair], events=[_assigned(chair)])
    return chair


async def assign_due(session: AsyncSession, s: Series, now: datetime) -> list[GuestChair]:
    """Ask guest chairs for the series' occurrences that start within its lead time and have none; the series
    is locked by the caller (or just created)."""
    if not s.rotation_kinds:
        return []
    without_chair = (
        select(meetings.c.id)
        .where(
            meetings.c.series_id == s.id,
            meetings.c.status == MeetingStatus.SCHEDULED,
            meetings.c.starts_at > now,
            meetings.c.starts_at <= now + timedelta(days=s.chair_lead_days),
            ~select(guest_chairs.c.id)
            .where(guest_chairs.c.meeting_id == meetings.c.id, guest_chairs.c.status == ChairStatus.ASSIGNED)
            .exists(),
        )
        .order_by(meetings.c.starts_at)
    )
    asked = []
    for meeting_id in (await session.execute(without_chair)).scalars().all():
        chair = await _ask_next(session, s, meeting_id, now)
        if chair is None:
            break
        asked.append(chair)
    return asked


async def assign_all_due(session: AsyncSession, now: datetime) -> int:
    """Every running series with a rotation asks the chairs now due (the sweep runs this)."""
    rotating = (
        select(series.c.id)
        .where(series.c.ended_at.is_(None), func.cardinality(series.c.rotation_kinds) > 0)
        .order_by(series.c.id)
    )
    count = 0
    for series_id in (await session.execute(rotating)).scalars().all():
        s = await SERIES.get(session, series_id, for_update=True)
        assert s is not None
        count += len(await assign_due(session, s, now))
    return count


async def _end_and_ask_next(session: AsyncSession, chair: GuestChair, status: ChairStatus, now: datetime) -> None:
    s = await SERIES.get(session, chair.series_id, for_update=True)
    assert s is not None
    ended = domain.end(chair, status, now)
    await GUEST_CHAIRS.update(session, ended, "status", "ended_at", events=[_declined(ended)])
    meeting = await MEETINGS.get(session, chair.meeting_id)
    if meeting is not None and meeting.status is MeetingStatus.SCHEDULED and meeting.starts_at > now:
        await _ask_next(session, s, meeting.id, now)


async def current_chair(session: AsyncSession, meeting_id: UUID) -> GuestChair | None:
    stmt = GUEST_CHAIRS.select().where(
        guest_chairs.c.meeting_id == meeting_id, guest_chairs.c.status == ChairStatus.ASSIGNED
    )
    row = (await session.execute(stmt)).first()
    return None if row is None else GUEST_CHAIRS.load(row)


async def decline(session: AsyncSession, meeting_id: UUID, by: Principal, now: datetime) -> GuestChair | None:
    """The chairing organisation declines (its admins; or the organisers for it): the next one is asked. The
    new assignment, if anyone is eligible."""
    meeting = await MEETINGS.get(session, meeting_id)
    if meeting is None or meeting.series_id is None:
        raise domain.NotAssigned(meeting_id)
    await SERIES.get(session, meeting.series_id, for_update=True)
    chair = await current_chair(session, meeting_id)
    if chair is None:
        raise domain.NotAssigned(meeting_id)
    if not by.administers(chair.organisation_id) and not access.may_organise(by, meeting.host_group_id):
        raise NotTheChairsAdmin(chair.organisation_id)
    await _end_and_ask_next(session, chair, ChairStatus.DECLINED, now)
    return await current_chair(session, meeting_id)


async def organisation_left(session: AsyncSession, organisation_ids: Sequence[UUID], now: datetime) -> None:
    """Organisations that left the network no longer chair meetings still to come; the next ones are asked."""
    stmt = (
        GUEST_CHAIRS.select()
        .join(meetings, meetings.c.id == guest_chairs.c.meeting_id)
        .where(
            guest_chairs.c.organisation_id.in_(organisation_ids),
            guest_chairs.c.status == ChairStatus.ASSIGNED,
            meetings.c.starts_at > now,
        )
        .order_by(guest_chairs.c.series_id, meetings.c.starts_at)
    )
    for chair in await GUEST_CHAIRS.all(session, stmt):
        await _end_and_ask_next(session, chair, ChairStatus.LEFT, now)


async def meeting_cancelled(session: AsyncSession, meeting: Meeting, now: datetime) -> None:
    chair = await current_chair(session, meeting.id)
    if chair is not None:
        ended = domain.end(chair, ChairStatus.CANCELLED, now)
        await GUEST_CHAIRS.update(session, ended, "status", "ended_at", events=[_declined(ended)])
