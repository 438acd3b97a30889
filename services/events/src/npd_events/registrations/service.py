"""Registration use cases: register, cancel, accept or decline an offered place, record attendance; and the
waitlist, promoted in order whenever a place frees. Every change to one meeting's places happens under its
row lock (SELECT ... FOR UPDATE), which orders concurrent registrations: its `taken` counter (places held,
confirmed or offered) and `next_position` (the queue) are read and written only under it.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from npd_contracts import EventData
from npd_contracts import meetings as contracts
from npd_runtime import Principal, publish
from sqlalchemy import and_, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from npd_events.meetings import access
from npd_events.meetings.domain import Audience, Meeting, MeetingStatus
from npd_events.models import MEETINGS, REGISTRATIONS, meetings, registrations
from npd_events.registrations import domain
from npd_events.registrations.domain import ACTIVE, EndReason, Registration, RegistrationStatus


class MeetingNotFound(LookupError):
    def __init__(self, meeting_id: UUID) -> None:
        super().__init__(f"meeting {meeting_id} does not exist")


class NotRegistered(LookupError):
    def __init__(self, meeting_id: UUID, person_id: str) -> None:
        super().__init__(f"{person_id!r} is not registered for meeting {meeting_id}")


class NotYours(PermissionError):
    def __init__(self) -> None:
        super().__init__("only the person themselves and the meeting's organisers can change a registration")


_LOCK = (
    select(*MEETINGS.select().selected_columns, meetings.c.taken, meetings.c.next_position)
    .where(meetings.c.id == bindparam("meeting_key"))
    .with_for_update()
)
_COUNTERS = update(meetings).where(meetings.c.id == bindparam("meeting_key")).values(taken=bindparam("new_taken"))
_ARRIVED = (
    update(meetings)
    .where(meetings.c.id == bindparam("meeting_key"))
    .values(taken=meetings.c.taken + bindparam("places"), next_position=meetings.c.next_position + 1)
)
_ACTIVE_OF = REGISTRATIONS.select().where(
    registrations.c.meeting_id == bindparam("meeting_id"),
    registrations.c.person_id == bindparam("person_id"),
    registrations.c.status.in_([s.value for s in ACTIVE]),
)
_AHEAD = select(func.count()).where(
    registrations.c.meeting_id == bindparam("meeting_id"),
    registrations.c.status == RegistrationStatus.WAITLISTED,
)
_NEXT_IN_LINE = (
    REGISTRATIONS.select()
    .where(
        registrations.c.meeting_id == bindparam("meeting_id"), registrations.c.status == RegistrationStatus.WAITLISTED
    )
    .order_by(registrations.c.queue_position)
    .limit(1)
)


async def lock_meeting(session: AsyncSession, meeting_id: UUID) -> tuple[Meeting, int, int]:
    """The meeting, locked until the transaction ends, with its places taken and next queue position."""
    row = (await session.execute(_LOCK, {"meeting_key": meeting_id})).first()
    if row is None:
        raise MeetingNotFound(meeting_id)
    return MEETINGS.load(row), row.taken, row.next_position


async def meeting_of(session: AsyncSession, meeting_id: UUID) -> Meeting:
    """The meeting, for reading (not locked)."""
    meeting = await MEETINGS.get(session, meeting_id)
    if meeting is None:
        raise MeetingNotFound(meeting_id)
    return meeting


async def _active(session: AsyncSession, meeting_id: UUID, person_id: str) -> Registration | None:
    row = (await session.execute(_ACTIVE_OF, {"meeting_id": meeting_id, "person_id": person_id})).first()
    return None if row is None else REGISTRATIONS.load(row)


def _cancelled_event(r: Registration, was: RegistrationStatus, now: datetime) -> contracts.RegistrationCancelled:
    assert r.end_reason is not None
    return contracts.RegistrationCancelled(
        meeting_id=r.meeting_id,
        person_id=r.person_id,
        reason=contracts.RegistrationEndReason(r.end_reason),
        was_waitlisted=was is RegistrationStatus.WAITLISTED,
        cancelled_at=now,
    )


async def register(session: AsyncSession, meeting_id: UUID, by: Principal, now: datetime) -> Registration:
    """The caller registers: a place if one is free (RegistrationConfirmed), else the waitlist (Waitlisted)."""
    meeting, taken, position = await lock_meeting(session, meeting_id)
    if not access.may_see(by, meeting):
        raise MeetingNotFound(meeting_id)  # as if there were none: no existence oracle (decision 98)
    closed = domain.registration_closed(
        meeting.id, meeting.starts_at, meeting.registration_deadline, meeting.status is MeetingStatus.CANCELLED, now
    )
    if closed is not None:
        raise closed
    access.require_audience(by, meeting)
    existing = await _active(session, meeting_id, by.person_id)
    if existing is not None:
        raise domain.AlreadyRegistered(meeting_id, existing.status)
    has_place = meeting.capacity is None or taken < meeting.capacity
    registration = domain.arrive(uuid4(), meeting_id, by.person_id, position, has_place, now)
    event: EventData
    if has_place:
        event = contracts.RegistrationConfirmed(meeting_id=meeting_id, person_id=by.person_id, confirmed_at=now)
    else:
        ahead = (await session.execute(_AHEAD, {"meeting_id": meeting_id})).scalar_one()
        event = contracts.Waitlisted(
            meeting_id=meeting_id, person_id=by.person_id, position=ahead + 1, waitlisted_at=now
        )
    await REGISTRATIONS.insert(session, [registration], events=[event])
    await session.execute(_ARRIVED, {"meeting_key": meeting_id, "places": int(has_place)})
    return registration


async def cancel(session: AsyncSession, meeting_id: UUID, person_id: str, by: Principal, now: datetime) -> Registration:
    """A person cancels their registration (or an organiser cancels it); a freed place goes to the waitlist."""
    meeting, taken, _ = await lock_meeting(session, meeting_id)
    if by.person_id != person_id and not access.may_organise(by, meeting.host_group_id):
        raise NotYours()
    registration = await _active(session, meeting_id, person_id)
    if registration is None:
        raise NotRegistered(meeting_id, person_id)
    reason = EndReason.CANCELLED
    if registration.status is RegistrationStatus.OFFERED and by.person_id == person_id:
        reason = EndReason.OFFER_DECLINED
    taken = await _end(session, registration, reason, taken, now)
    await _fill(session, meeting, taken, now)
    return registration


async def _end(session: AsyncSession, r: Registration, reason: EndReason, taken: int, now: datetime) -> int:
    """End one registration; the places taken afterwards."""
    ended = domain.end(r, reason, now)
    fields = ("status", "ended_at", "end_reason", "offer_expires_at")
    await REGISTRATIONS.update(session, ended, *fields, events=[_cancelled_event(ended, r.status, now)])
    return taken - 1 if domain.holds_place(r) else taken


async def fill_places(session: AsyncSession, meeting: Meeting, now: datetime) -> None:
    """Give free places to the waitlist (after a meeting gained capacity, say); the meeting is locked."""
    _, taken, _ = await lock_meeting(session, meeting.id)
    await _fill(session, meeting, taken, now)


async def _fill(session: AsyncSession, meeting: Meeting, taken: int, now: datetime) -> None:
    """While a place is free, the first on the waitlist gets it (or, in offer mode, is offered it)."""
    start = taken
    while meeting.status is MeetingStatus.SCHEDULED and meeting.starts_at > now:
        if meeting.capacity is not None and taken >= meeting.capacity:
            break
        row = (await session.execute(_NEXT_IN_LINE, {"meeting_id": meeting.id})).first()
        if row is None:
            break
        waiting = REGISTRATIONS.load(row)
        event: EventData
        if meeting.offer_hours:
            offered = domain.offer(waiting, meeting.offer_hours, meeting.starts_at, now)
            assert offered.offer_expires_at is not None
            await REGISTRATIONS.update(session, offered, "status", "offer_expires_at")
            event = contracts.WaitlistOffered(
                meeting_id=meeting.id, person_id=waiting.person_id, expires_at=offered.offer_expires_at, offered_at=now
            )
        else:
            promoted = domain.promote(waiting, now)
            await REGISTRATIONS.update(session, promoted, "status", "confirmed_at")
            event = contracts.WaitlistPromoted(meeting_id=meeting.id, person_id=waiting.person_id, promoted_at=now)
        await publish(session, event)
        taken += 1
    if taken != start:
        await session.execute(_COUNTERS, {"meeting_key": meeting.id, "new_taken": taken})


async def accept_offer(session: AsyncSession, meeting_id: UUID, by: Principal, now: datetime) -> Registration:
    """The caller takes the place offered to them (WaitlistPromoted)."""
    meeting, _, _ = await lock_meeting(session, meeting_id)
    if not access.may_see(by, meeting):
        raise MeetingNotFound(meeting_id)  # as if there were none: no existence oracle (decision 98)
    registration = await _active(session, meeting_id, by.person_id)
    if registration is None:
        raise domain.NoOffer(meeting_id, by.person_id)
    promoted = domain.accept(registration, now)
    event = contracts.WaitlistPromoted(meeting_id=meeting_id, person_id=by.person_id, promoted_at=now)
    await REGISTRATIONS.update(session, promoted, "status", "confirmed_at", "offer_expires_at", events=[event])
    return promoted


async def expire_offers(session: AsyncSession, now: datetime) -> int:
    """Offers not accepted in time pass to the next on the waitlist (the sweep runs this); how many expired."""
    due = (
        select(registrations.c.meeting_id)
        .where(registrations.c.status == RegistrationStatus.OFFERED, registrations.c.offer_expires_at <= now)
        .group_by(registrations.c.meeting_id)
        .order_by(registrations.c.meeting_id)
    )
    expired = 0
    for meeting_id in (await session.execute(due)).scalars().all():
        meeting, taken, _ = await lock_meeting(session, meeting_id)
        stale = REGISTRATIONS.select().where(
            registrations.c.meeting_id == meeting_id,
            registrations.c.status == RegistrationStatus.OFFERED,
            registrations.c.offer_expires_at <= now,
        )
        for r in await REGISTRATIONS.all(session, stale.order_by(registrations.c.queue_position)):
            taken = await _end(session, r, EndReason.OFFER_EXPIRED, taken, now)
            expired += 1
        await _fill(session, meeting, taken, now)
    return expired


async def end_all(session: AsyncSession, meeting: Meeting, reason: EndReason, now: datetime) -> None:
    """End every live registration of a meeting (it was cancelled); the meeting is locked by the caller."""
    live = REGISTRATIONS.select().where(
        registrations.c.meeting_id == meeting.id, registrations.c.status.in_([s.value for s in ACTIVE])
    )
    before = await REGISTRATIONS.all(session, live.order_by(registrations.c.queue_position))
    if not before:
        return
    ended = [domain.end(r, reason, now) for r in before]
    await session.execute(
        update(registrations)
        .where(registrations.c.id.in_([r.id for r in ended]))
        .values(status=RegistrationStatus.CANCELLED, ended_at=now, end_reason=reason, offer_expires_at=None)
    )
    await session.execute(_COUNTERS, {"meeting_key": meeting.id, "new_taken": 0})
    await publish(session, *(_cancelled_event(e, r.status, now) for r, e in zip(before, ended, strict=True)))


async def end_for_people(
    session: AsyncSession, person_ids: Sequence[str], reason: EndReason, now: datetime, *, group_id: UUID | None = None
) -> int:
    """End these people's registrations for meetings still to come (only their group's members-only meetings,
    with `group_id`); freed places go to the waitlists. How many ended."""
    conditions: list[Any] = [
        registrations.c.person_id.in_(person_ids),
        registrations.c.status.in_([s.value for s in ACTIVE]),
        meetings.c.starts_at > now,
        meetings.c.status == MeetingStatus.SCHEDULED,
    ]
    if group_id is not None:
        conditions += [meetings.c.host_group_id == group_id, meetings.c.audience == Audience.GROUP]
    affected = (
        select(registrations.c.meeting_id)
        .join(meetings, meetings.c.id == registrations.c.meeting_id)
        .where(and_(*conditions))
        .group_by(registrations.c.meeting_id)
        .order_by(registrations.c.meeting_id)  # one order of locks, whoever else locks several meetings
    )
    ended = 0
    for meeting_id in (await session.execute(affected)).scalars().all():
        meeting, taken, _ = await lock_meeting(session, meeting_id)
        for person_id in person_ids:
            r = await _active(session, meeting_id, person_id)
            if r is not None:
                taken = await _end(session, r, reason, taken, now)
                ended += 1
        await _fill(session, meeting, taken, now)
    return ended


async def erase(session: AsyncSession, person_ids: Sequence[str], now: datetime) -> None:
    """Erased people: their registrations still to come end (reason erased), then every registration of theirs
    keeps no trace of who it was (counts and attendance of past meetings stay right)."""
    await end_for_people(session, person_ids, EndReason.ERASED, now)
    await session.execute(
        update(registrations)
        .where(registrations.c.person_id.in_(person_ids))
        .values(person_id=func.concat("erased:", func.cast(registrations.c.id, registrations.c.person_id.type)))
    )


async def record_attendance(
    session: AsyncSession, meeting_id: UUID, attendance: Sequence[tuple[str, bool]], by: Principal, now: datetime
) -> list[Registration]:
    """After the meeting, its organisers record who attended (AttendanceRecorded for each change)."""
    meeting, _, _ = await lock_meeting(session, meeting_id)
    access.require_organiser(by, meeting.host_group_id)
    if meeting.starts_at > now:
        raise domain.NotStartedYet(meeting_id)
    recorded = []
    for person_id, attended in attendance:
        row = (
            await session.execute(
                REGISTRATIONS.select().where(
                    registrations.c.meeting_id == meeting_id,
                    registrations.c.person_id == person_id,
                    registrations.c.status == RegistrationStatus.CONFIRMED,
                )
            )
        ).first()
        if row is None:
            raise domain.NotConfirmed(meeting_id, person_id)
        r = REGISTRATIONS.load(row)
        if r.attended is not attended:
            event = contracts.AttendanceRecorded(
                meeting_id=meeting_id, person_id=person_id, attended=attended, recorded_at=now
            )
            r = Registration(**{**REGISTRATIONS.values(r), "attended": attended})
            await REGISTRATIONS.update(session, r, "attended", events=[event])
        recorded.append(r)
    return recorded


async def registration_of(session: AsyncSession, meeting_id: UUID, person_id: str) -> Registration | None:
    """The person's live registration, else their latest ended one."""
    stmt = (
        REGISTRATIONS.select()
        .where(registrations.c.meeting_id == meeting_id, registrations.c.person_id == person_id)
        .order_by(registrations.c.status.in_([s.value for s in ACTIVE]).desc(), registrations.c.registered_at.desc())
        .limit(1)
    )
    row = (await session.execute(stmt)).first()
    return None if row is None else REGISTRATIONS.load(row)
