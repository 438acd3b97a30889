"""Reports API: publish a meeting's report (its organisers), read reports (the network), and the public
listings of public meetings and public reports, which need no login (the network's open-government duty).
Errors raised below become problem documents by PROBLEMS.
"""

from datetime import UTC, datetime
from uuid import UUID

from fastapi import APIRouter, Response, status
from npd_runtime import Limit, Offset, Page, PrincipalDep, Problems, ProblemType, SessionDep, require_network

from npd_events.reports import domain, service
from npd_events.reports.schemas import PublicMeetingPublic, ReportBody, ReportPublic, SinceFilter

router = APIRouter(tags=["reports"])
public = APIRouter(prefix="/v1/public", tags=["public"])

PROBLEMS: Problems = {
    service.MeetingNotFound: ProblemType(404, "unknown-meeting", "Not found"),
    service.ReportNotFound: ProblemType(404, "no-report", "Not found"),
    service.NotAnOrganiser: ProblemType(403, "not-an-organiser", "Forbidden"),
    domain.ReportRefused: ProblemType(409, "report-refused", "Conflict with the current state"),
    domain.MeetingNotHeld: ProblemType(409, "meeting-not-held", "Conflict with the current state"),
    domain.MeetingWasCancelled: ProblemType(409, "meeting-cancelled", "Conflict with the current state"),
    domain.InsecureLink: ProblemType(422, "insecure-link", "Unprocessable request"),
}

READ: dict[int | str, dict[str, object]] = {
    401: {"description": "Missing or invalid bearer token"},
    403: {"description": "The caller is not in the network"},
    404: {"description": "No such meeting or report"},
    422: {"description": "The request is not valid"},
}
WRITE: dict[int | str, dict[str, object]] = {
    **READ,
    400: {"description": "The body could not be read (not UTF-8)"},
    403: {"description": "Only network admins, the host group's chairs and the meeting's scheduler publish"},
    409: {"description": "The meeting has not started yet, or was cancelled"},
    422: {"description": "The request is not valid (a link that is not https, ...)"},
}
PUBLIC: dict[int | str, dict[str, object]] = {
    404: {"description": "No such public report"},
    422: {"description": "The request is not valid"},
}


@router.put("/v1/meetings/{meeting_id}/report", responses=WRITE | {201: {"description": "The first publication"}})
async def publish_report(
    meeting_id: UUID, body: ReportBody, principal: PrincipalDep, session: SessionDep, response: Response
) -> ReportPublic:
    """Publish a meeting's report once it has started, for the network or the public; again to replace it.
    Publishes ReportPublished; nothing when nothing changed."""
    require_network(principal)  # a 403 before any lookup: no existence oracle (decision 98)
    async with session.begin():
        report, new = await service.publish(session, meeting_id, body.draft(), by=principal)
        view = await service.get_report(session, report.id)
    if new:
        response.status_code = status.HTTP_201_CREATED
        response.headers["Location"] = f"/v1/reports/{report.id}"
    return ReportPublic.of(view)


@router.get("/v1/meetings/{meeting_id}/report", responses=READ)
async def get_meeting_report(meeting_id: UUID, principal: PrincipalDep, session: SessionDep) -> ReportPublic:
    """A meeting's report (everyone in the network)."""
    require_network(principal)
    async with session.begin():
        return ReportPublic.of(await service.report_of(session, meeting_id))


@router.get("/v1/reports", responses=READ)
async def list_reports(
    principal: PrincipalDep, session: SessionDep, limit: Limit = 50, offset: Offset = 0
) -> Page[ReportPublic]:
    """Every report, latest first (everyone in the network)."""
    require_network(principal)
    async with session.begin():
        views, total = await service.list_reports(session, public_only=False, limit=limit, offset=offset)
    return Page(items=[ReportPublic.of(v) for v in views], total=total, limit=limit, offset=offset)


@router.get("/v1/reports/{report_id}", responses=READ)
async def get_report(report_id: UUID, principal: PrincipalDep, session: SessionDep) -> ReportPublic:
    """One report (everyone in the network)."""
    require_network(principal)
    async with session.begin():
        return ReportPublic.of(await service.get_report(session, report_id))


@public.get("/meetings", responses=PUBLIC)
async def list_public_meetings(
    session: SessionDep, since: SinceFilter = None, limit: Limit = 50, offset: Offset = 0
) -> Page[PublicMeetingPublic]:
    """Meetings open to the public, soonest first, from now (or `since`) on. No login."""
    async with session.begin():
        items, total = await service.public_meetings(session, since or datetime.now(UTC), limit=limit, offset=offset)
    return Page(items=[PublicMeetingPublic.of(i) for i in items], total=total, limit=limit, offset=offset)


@public.get("/reports", responses=PUBLIC)
async def list_public_reports(session: SessionDep, limit: Limit = 50, offset: Offset = 0) -> Page[ReportPublic]:
    """Public reports, latest first. No login."""
    async with session.begin():
        views, total = await service.list_reports(session, public_only=True, limit=limit, offset=offset)
    return Page(items=[ReportPublic.of(v) for v in views], total=total, limit=limit, offset=offset)


@public.get("/reports/{report_id}", responses=PUBLIC)
async def get_public_report(report_id: UUID, session: SessionDep) -> ReportPublic:
    """One public report. No login; a report for the network only is not found here."""
    async with session.begin():
        return ReportPublic.of(await service.get_report(session, report_id, public_only=True))
