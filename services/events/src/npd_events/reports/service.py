"""Report use cases: publish a meeting's report (again: replace it), read reports, and the public listings
of public meetings and public reports, which need no login. Publishing locks the meeting's row, so a report
and the meeting's other events leave in order; nothing here commits.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID, uuid4

from npd_contracts import meetings as contracts
from npd_runtime import Principal
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from npd_events.meetings.domain import Audience, Meeting, MeetingStatus, Venue
from npd_events.models import MEETINGS, REPORTS, VENUES, meetings, reports, venues
from npd_events.reports import domain
from npd_events.reports.domain import Draft, Held, Report, ReportVisibility


class MeetingNotFound(LookupError):
    def __init__(self, meeting_id: UUID) -> None:
        super().__init__(f"meeting {meeting_id} does not exist")


class ReportNotFound(LookupError):
    def __init__(self, what: object) -> None:
        super().__init__(f"there is no report {what}")


class NotAnOrganiser(PermissionError):
    def __init__(self, meeting_id: UUID) -> None:
        super().__init__(
            f"only network admins, the chairs of the host group and whoever scheduled meeting {meeting_id} "
            "publish its report"
        )


@dataclass(frozen=True)
class ReportView:
    report: Report
    meeting: Meeting


@dataclass(frozen=True)
class PublicMeeting:
    meeting: Meeting
    venue: Venue | None
    report_id: UUID | None


def _now() -> datetime:
    return datetime.now(UTC)


def _organises(meeting: Meeting, by: Principal) -> bool:
    host = meeting.host_group_id
    return by.is_network_admin or meeting.created_by == by.person_id or (host is not None and by.chairs(host))


async def publish(session: AsyncSession, meeting_id: UUID, draft: Draft, *, by: Principal) -> tuple[Report, bool]:
    """The report as it now stands, and whether it is new."""
    meeting = await MEETINGS.get(session, meeting_id, for_update=True)
    if meeting is None:
        raise MeetingNotFound(meeting_id)
    if not _organises(meeting, by):
        raise NotAnOrganiser(meeting_id)
    found = await REPORTS.all(session, REPORTS.select().where(reports.c.meeting_id == meeting_id))
    existing = found[0] if found else None
    held = Held(meeting.id, meeting.status is MeetingStatus.CANCELLED, meeting.starts_at)
    report = domain.publish(uuid4(), held, existing, draft, by.person_id, _now())
    if report is None:
        assert existing is not None
        return existing, False
    event = contracts.ReportPublished(
        meeting_id=meeting_id,
        report_id=report.id,
        title=report.title,
        visibility=contracts.ReportVisibility(report.visibility.value),
        published_at=report.revised_at,
    )
    if existing is None:
        await REPORTS.insert(session, [report], events=[event])
    else:
        fields = ("title", "summary", "lessons_learned", "attachments", "visibility", "published_by", "revised_at")
        await REPORTS.update(session, report, *fields, events=[event])
    return report, existing is None


async def report_of(session: AsyncSession, meeting_id: UUID, *, public_only: bool = False) -> ReportView:
    meeting = await MEETINGS.get(session, meeting_id)
    found = await REPORTS.all(session, REPORTS.select().where(reports.c.meeting_id == meeting_id))
    if meeting is None or not found or (public_only and found[0].visibility is not ReportVisibility.PUBLIC):
        raise ReportNotFound(f"of meeting {meeting_id}")
    return ReportView(found[0], meeting)


async def get_report(session: AsyncSession, report_id: UUID, *, public_only: bool = False) -> ReportView:
    report = await REPORTS.get(session, report_id)
    if report is None or (public_only and report.visibility is not ReportVisibility.PUBLIC):
        raise ReportNotFound(report_id)
    meeting = await MEETINGS.get(session, report.meeting_id)
    assert meeting is not None
    return ReportView(report, meeting)


async def list_reports(
    session: AsyncSession, *, public_only: bool, limit: int, offset: int
) -> tuple[list[ReportView], int]:
    """Reports, latest first, with their meetings."""
    where = [reports.c.visibility == ReportVisibility.PUBLIC.value] if public_only else []
    stmt = REPORTS.select().where(*where).order_by(reports.c.revised_at.desc(), reports.c.id).limit(limit)
    found = await REPORTS.all(session, stmt.offset(offset))
    total = await session.scalar(select(func.count()).select_from(reports).where(*where))
    ids = [r.meeting_id for r in found]
    by_id = {m.id: m for m in await MEETINGS.all(session, MEETINGS.select().where(meetings.c.id.in_(ids)))}
    return [ReportView(r, by_id[r.meeting_id]) for r in found], total or 0


async def public_meetings(
    session: AsyncSession, since: datetime, *, limit: int, offset: int
) -> tuple[list[PublicMeeting], int]:
    """Meetings open to the public that end after `since`, soonest first, with their venue and public report."""
    where = [meetings.c.audience == Audience.PUBLIC.value, meetings.c.ends_at >= since]
    stmt = MEETINGS.select().where(*where).order_by(meetings.c.starts_at, meetings.c.id).limit(limit).offset(offset)
    found = await MEETINGS.all(session, stmt)
    total = await session.scalar(select(func.count()).select_from(meetings).where(*where))
    venue_ids = [m.venue_id for m in found if m.venue_id is not None]
    places = {v.id: v for v in await VENUES.all(session, VENUES.select().where(venues.c.id.in_(venue_ids)))}
    public = reports.c.visibility == ReportVisibility.PUBLIC.value
    found_ids = [m.id for m in found]
    with_report = select(reports.c.meeting_id, reports.c.id).where(reports.c.meeting_id.in_(found_ids), public)
    report_ids: dict[UUID, UUID] = {
        meeting_id: report_id for meeting_id, report_id in await session.execute(with_report)
    }
    items = [PublicMeeting(m, places.get(m.venue_id) if m.venue_id else None, report_ids.get(m.id)) for m in found]
    return items, total or 0


async def erase(session: AsyncSession, person_ids: Sequence[str], now: datetime) -> None:
    """PersonErased: reports stay (they are the network's record), without who published them."""
    gone = reports.c.published_by.in_(person_ids)
    await session.execute(reports.update().where(gone).values(published_by=None))
