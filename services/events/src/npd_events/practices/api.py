"""Practices API: share, read, search, edit and withdraw practices under their confidentiality labels
(people of the network), and the public ones without login under /v1/public/practices. Every read path
answers only what the label lets the caller read: one that may not read a practice gets 404, as if it did
not exist. Errors raised below become problem documents by PROBLEMS.
"""

from uuid import UUID

from fastapi import APIRouter, Response, status
from npd_runtime import Limit, Offset, Page, PrincipalDep, Problems, ProblemType, SessionDep, require_network

from npd_events.practices import domain, service
from npd_events.practices.schemas import (
    GroupFilter,
    KpiLink,
    LabelFilter,
    MeetingLink,
    PracticeBody,
    PracticePublic,
    ReportLink,
    SearchText,
    ThemeFilter,
    search_of,
)

router = APIRouter(prefix="/v1/practices", tags=["practices"])
public = APIRouter(prefix="/v1/public/practices", tags=["public"])

PROBLEMS: Problems = {
    service.PracticeNotFound: ProblemType(404, "unknown-practice", "Not found"),
    service.UnknownGroup: ProblemType(422, "unknown-group", "Unprocessable request"),
    service.UnknownLinks: ProblemType(422, "unknown-link", "Unprocessable request"),
    domain.PracticeRefused: ProblemType(422, "practice-refused", "Unprocessable request"),
    domain.GroupLabelNeedsGroup: ProblemType(422, "group-label-needs-group", "Unprocessable request"),
    domain.GroupWithoutGroupLabel: ProblemType(422, "group-without-group-label", "Unprocessable request"),
    domain.BadKpi: ProblemType(422, "bad-kpi", "Unprocessable request"),
    domain.NotInGroup: ProblemType(403, "not-in-group", "Forbidden"),
    domain.NotTheAuthor: ProblemType(403, "not-the-author", "Forbidden"),
    domain.CannotBecomeChathamHouse: ProblemType(409, "cannot-become-chatham-house", "Conflict with the current state"),
}

READ: dict[int | str, dict[str, object]] = {
    401: {"description": "Missing or invalid bearer token"},
    403: {"description": "The caller is not in the network"},
    404: {"description": "No such practice, or not one the caller may read"},
    422: {"description": "The request is not valid"},
}
WRITE: dict[int | str, dict[str, object]] = {
    **READ,
    400: {"description": "The body could not be read (not UTF-8)"},
    403: {"description": "Not in the network, not in the named group, or not the author"},
    409: {"description": "A practice shared under another label cannot become chatham_house"},
    422: {
        "description": "The request is not valid (unknown group, meeting or report, a group without the group label)"
    },
}
PUBLIC: dict[int | str, dict[str, object]] = {
    404: {"description": "No such public practice"},
    422: {"description": "The request is not valid"},
}


@router.post("", status_code=status.HTTP_201_CREATED, responses=WRITE)
async def share_practice(
    body: PracticeBody, principal: PrincipalDep, session: SessionDep, response: Response
) -> PracticePublic:
    """Share a practice under a label (people of the network; a group's members for the group label).
    Publishes PracticeShared."""
    require_network(principal)
    reader = service.reader_of(principal)
    async with session.begin():
        practice = await service.share(session, body.content(), by=principal)
        view = await service.get(session, practice.id, reader)
    response.headers["Location"] = f"/v1/practices/{practice.id}"
    return PracticePublic.of(view)


@router.get("", responses=READ)
async def search_practices(
    principal: PrincipalDep,
    session: SessionDep,
    q: SearchText = None,
    theme: ThemeFilter = None,
    label: LabelFilter = None,
    group_id: GroupFilter = None,
    meeting_id: MeetingLink = None,
    report_id: ReportLink = None,
    kpi_id: KpiLink = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[PracticePublic]:
    """Practices the caller may read: with `q`, those that match, best first (Dutch stems and the words as
    written); otherwise newest first. Filters by theme, label, group and linked meeting, report or KPI."""
    require_network(principal)
    reader = service.reader_of(principal)
    query = search_of(q, theme, label, group_id, meeting_id, report_id, kpi_id)
    async with session.begin():
        views, total = await service.search(session, reader, query, limit=limit, offset=offset)
    return Page(items=[PracticePublic.of(v) for v in views], total=total, limit=limit, offset=offset)


@router.get("/{practice_id}", responses=READ)
async def get_practice(practice_id: UUID, principal: PrincipalDep, session: SessionDep) -> PracticePublic:
    """One practice, if its label lets the caller read it."""
    require_network(principal)
    async with session.begin():
        return PracticePublic.of(await service.get(session, practice_id, service.reader_of(principal)))


@router.put("/{practice_id}", responses=WRITE)
async def edit_practice(
    practice_id: UUID, body: PracticeBody, principal: PrincipalDep, session: SessionDep
) -> PracticePublic:
    """Change a practice (its author). Publishes PracticeUpdated; nothing when nothing changed."""
    require_network(principal)
    reader = service.reader_of(principal)
    async with session.begin():
        await service.edit(session, practice_id, body.content(), by=principal)
        return PracticePublic.of(await service.get(session, practice_id, reader))


@router.delete("/{practice_id}", status_code=status.HTTP_204_NO_CONTENT, responses=WRITE)
async def withdraw_practice(practice_id: UUID, principal: PrincipalDep, session: SessionDep) -> None:
    """Withdraw a practice (its author, or a network admin): nobody reads or finds it any more.
    Publishes PracticeWithdrawn."""
    require_network(principal)
    async with session.begin():
        await service.withdraw(session, practice_id, by=principal)


@public.get("", responses=PUBLIC)
async def search_public_practices(
    session: SessionDep,
    q: SearchText = None,
    theme: ThemeFilter = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[PracticePublic]:
    """Public practices, best match first with `q`, otherwise newest first. No login."""
    async with session.begin():
        views, total = await service.search(
            session, service.reader_of(None), search_of(q, theme), limit=limit, offset=offset
        )
    return Page(items=[PracticePublic.of(v, anonymous=True) for v in views], total=total, limit=limit, offset=offset)


@public.get("/{practice_id}", responses=PUBLIC)
async def get_public_practice(practice_id: UUID, session: SessionDep) -> PracticePublic:
    """One public practice. No login; any other label is not found here."""
    async with session.begin():
        return PracticePublic.of(await service.get(session, practice_id, service.reader_of(None)), anonymous=True)
