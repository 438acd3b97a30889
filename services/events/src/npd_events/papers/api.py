"""Call-for-papers API: /v1/calls (open, close, submit, the programme) and /v1/papers (one proposal, its
reviewers, reviews and decision). Everyone in the network reads calls and published programmes; proposals
are seen by their submitter and speakers, their reviewers and the call's chairs (network admins and the
call's programme team). Errors raised below become problem documents by PROBLEMS.
"""

from datetime import UTC, datetime
from uuid import UUID

from fastapi import APIRouter, Response, status
from npd_runtime import (
    NOT_FOUND,
    Forbidden,
    Limit,
    Offset,
    Page,
    PrincipalDep,
    Problems,
    ProblemType,
    SessionDep,
    require_network,
)

from npd_events.papers import domain, service
from npd_events.papers.schemas import (
    CallCreate,
    CallPublic,
    DecisionBody,
    MeetingFilter,
    PaperCreate,
    PaperPublic,
    PersonId,
    ProgrammePublic,
    ReviewBody,
    ReviewPublic,
    SessionBody,
    SessionPublic,
)

router = APIRouter(prefix="/v1/calls", tags=["call for papers"])
papers = APIRouter(prefix="/v1/papers", tags=["call for papers"])

_CONFLICT = "Conflict with the current state"
_FORBIDDEN = "Forbidden"
PROBLEMS: Problems = {
    service.MeetingNotFound: ProblemType(404, "unknown-meeting", "Not found"),
    service.CallNotFound: NOT_FOUND,
    service.PaperNotFound: NOT_FOUND,
    service.SessionNotFound: NOT_FOUND,
    service.NotAProgrammeTeam: ProblemType(422, "not-a-programme-team", "Unprocessable request"),
    service.UnknownPerson: ProblemType(422, "unknown-person", "Unprocessable request"),
    service.CallExists: ProblemType(409, "call-exists", _CONFLICT),
    service.NotACallChair: ProblemType(403, "not-a-call-chair", _FORBIDDEN),
    service.NotEligible: ProblemType(403, "not-eligible", _FORBIDDEN),
    service.NotYourPaper: ProblemType(403, "not-your-proposal", _FORBIDDEN),
    domain.PapersRefused: ProblemType(409, "papers-refused", _CONFLICT),
    domain.NotAConference: ProblemType(422, "not-a-conference", "Unprocessable request"),
    domain.ConferenceCancelled: ProblemType(409, "conference-cancelled", _CONFLICT),
    domain.DeadlineNotAhead: ProblemType(422, "deadline-not-ahead", "Unprocessable request"),
    domain.CallClosed: ProblemType(409, "call-closed", _CONFLICT),
    domain.CallStillOpen: ProblemType(409, "call-still-open", _CONFLICT),
    domain.UnknownTopic: ProblemType(422, "unknown-topic", "Unprocessable request"),
    domain.FormatNotOffered: ProblemType(422, "format-not-offered", "Unprocessable request"),
    domain.TooManySpeakers: ProblemType(422, "too-many-speakers", "Unprocessable request"),
    domain.ScoreOutOfRange: ProblemType(422, "score-out-of-range", "Unprocessable request"),
    domain.PaperDecided: ProblemType(409, "proposal-decided", _CONFLICT),
    domain.PaperWithdrawn: ProblemType(409, "proposal-withdrawn", _CONFLICT),
    domain.OwnPaper: ProblemType(409, "own-proposal", _CONFLICT),
    domain.NotAssigned: ProblemType(403, "not-a-reviewer", _FORBIDDEN),
    domain.PaperScheduled: ProblemType(409, "proposal-scheduled", _CONFLICT),
    domain.NotAccepted: ProblemType(409, "proposal-not-accepted", _CONFLICT),
    domain.TimetableClash: ProblemType(409, "timetable-clash", _CONFLICT),
    domain.EndsBeforeStart: ProblemType(422, "ends-before-start", "Unprocessable request"),
    domain.OutsideConference: ProblemType(422, "outside-conference", "Unprocessable request"),
    domain.UntitledSession: ProblemType(422, "untitled-session", "Unprocessable request"),
    domain.RoomTaken: ProblemType(409, "room-taken", _CONFLICT),
    domain.SpeakerClash: ProblemType(409, "speaker-clash", _CONFLICT),
    domain.AlreadyScheduled: ProblemType(409, "proposal-already-scheduled", _CONFLICT),
    domain.EmptyProgramme: ProblemType(409, "empty-programme", _CONFLICT),
}

READ: dict[int | str, dict[str, object]] = {
    401: {"description": "Missing or invalid bearer token"},
    403: {"description": "The caller is not in the network, or may not see this"},
    404: {"description": "No such call, proposal or session"},
    422: {"description": "The request is not valid"},
}
WRITE: dict[int | str, dict[str, object]] = {
    **READ,
    400: {"description": "The body could not be read (not UTF-8)"},
    403: {"description": "The caller may not do this (not a chair of the call, not the proposal's submitter, ...)"},
    404: {"description": "No such meeting, call, proposal or session"},
    409: {"description": "The call's state does not allow this (closed, still open, decided, a clash, ...)"},
    422: {"description": "The request is not valid (a deadline not ahead, an unknown topic or person, ...)"},
}


def _now() -> datetime:
    return datetime.now(UTC)


@router.post("", status_code=status.HTTP_201_CREATED, responses=WRITE)
async def open_call(body: CallCreate, principal: PrincipalDep, session: SessionDep, response: Response) -> CallPublic:
    """Open a call for papers for a conference (network admins, or members of the programme team it names).
    Publishes CallForPapersOpened."""
    require_network(principal)  # a 403 before any id in the body is looked up (decision 114)
    async with session.begin():
        call = await service.open_call(
            session,
            body.meeting_id,
            body.title,
            body.description,
            body.topics,
            body.formats,
            body.closes_at,
            body.programme_group_id,
            by=principal,
        )
    response.headers["Location"] = f"{router.prefix}/{call.id}"
    return CallPublic.of(call, _now())


@router.get("", responses=READ)
async def list_calls(
    principal: PrincipalDep,
    session: SessionDep,
    meeting_id: MeetingFilter = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[CallPublic]:
    """Calls for papers, newest first (everyone in the network)."""
    require_network(principal)
    async with session.begin():
        found, total = await service.list_calls(session, meeting_id, limit=limit, offset=offset)
    now = _now()
    return Page(items=[CallPublic.of(c, now) for c in found], total=total, limit=limit, offset=offset)


@router.get("/{call_id}", responses=READ)
async def get_call(call_id: UUID, principal: PrincipalDep, session: SessionDep) -> CallPublic:
    """One call (everyone in the network)."""
    require_network(principal)
    async with session.begin():
        return CallPublic.of(await service.get_call(session, call_id), _now())


@router.post("/{call_id}/close", responses=WRITE)
async def close_call(call_id: UUID, principal: PrincipalDep, session: SessionDep) -> CallPublic:
    """Close the call before its deadline (its chairs); publishes CallForPapersClosed once."""
    require_network(principal)  # a 403 before any lookup: no existence oracle (decision 98)
    async with session.begin():
        return CallPublic.of(await service.close_call(session, call_id, by=principal), _now())


@router.post("/{call_id}/papers", status_code=status.HTTP_201_CREATED, responses=WRITE)
async def submit_paper(
    call_id: UUID, body: PaperCreate, principal: PrincipalDep, session: SessionDep, response: Response
) -> PaperPublic:
    """Submit a proposal while the call is open (people of member organisations); publishes PaperSubmitted."""
    require_network(principal)  # a 403 before any lookup: no existence oracle (decision 98)
    async with session.begin():
        paper = await service.submit(session, call_id, body.proposal(), by=principal)
    response.headers["Location"] = f"{papers.prefix}/{paper.id}"
    return PaperPublic.of(paper)


@router.get("/{call_id}/papers", responses=READ)
async def list_papers(
    call_id: UUID, principal: PrincipalDep, session: SessionDep, limit: Limit = 50, offset: Offset = 0
) -> Page[PaperPublic]:
    """The call's proposals, oldest first: all of them with their mean scores for its chairs; for anyone
    else, those they submitted, speak in or review."""
    require_network(principal)
    async with session.begin():
        call = await service.get_call(session, call_id)
        found, total = await service.list_papers(session, call, principal, limit=limit, offset=offset)
        chair = service.chairs(call, principal)
        scores = await service.mean_scores(session, [p.id for p in found]) if chair else {}
    items = [PaperPublic.of(p, scores.get(p.id, (None, 0)) if chair else None) for p in found]
    return Page(items=items, total=total, limit=limit, offset=offset)


@router.get("/{call_id}/programme", responses=READ)
async def get_programme(call_id: UUID, principal: PrincipalDep, session: SessionDep) -> ProgrammePublic:
    """The timetable: its chairs see the draft; everyone in the network once it is published."""
    require_network(principal)
    async with session.begin():
        call = await service.get_call(session, call_id)
        if call.programme_published_at is None and not service.chairs(call, principal):
            raise Forbidden("the programme is not published yet: only the call's chairs see the draft")
        slots = await service.timetable(session, call_id)
    return ProgrammePublic(
        call_id=call.id,
        meeting_id=call.meeting_id,
        published_at=call.programme_published_at,
        sessions=[SessionPublic.of(s) for s in slots],
    )


@router.post("/{call_id}/programme/publish", responses=WRITE)
async def publish_programme(call_id: UUID, principal: PrincipalDep, session: SessionDep) -> ProgrammePublic:
    """Publish the whole programme (its chairs): ProgrammePublished, again after every change."""
    require_network(principal)  # a 403 before any lookup: no existence oracle (decision 98)
    async with session.begin():
        call, slots = await service.publish_programme(session, call_id, by=principal)
    return ProgrammePublic(
        call_id=call.id,
        meeting_id=call.meeting_id,
        published_at=call.programme_published_at,
        sessions=[SessionPublic.of(s) for s in slots],
    )


@router.post("/{call_id}/sessions", status_code=status.HTTP_201_CREATED, responses=WRITE)
async def add_session(
    call_id: UUID, body: SessionBody, principal: PrincipalDep, session: SessionDep, response: Response
) -> SessionPublic:
    """Put an accepted proposal (or a plenary) in a room and slot (its chairs): no room double-booked, no
    speaker in two places at once, within the conference."""
    require_network(principal)  # a 403 before any lookup: no existence oracle (decision 98)
    async with session.begin():
        placed = await service.place_session(
            session,
            call_id,
            None,
            body.paper_id,
            body.title,
            body.room,
            body.starts_at,
            body.ends_at,
            by=principal,
        )
    response.headers["Location"] = f"{router.prefix}/{call_id}/sessions/{placed.id}"
    return SessionPublic.of(placed)


@router.put("/{call_id}/sessions/{session_id}", responses=WRITE)
async def move_session(
    call_id: UUID, session_id: UUID, body: SessionBody, principal: PrincipalDep, session: SessionDep
) -> SessionPublic:
    """Move or change a session (its chairs), under the same rules."""
    require_network(principal)  # a 403 before any lookup: no existence oracle (decision 98)
    async with session.begin():
        placed = await service.place_session(
            session,
            call_id,
            session_id,
            body.paper_id,
            body.title,
            body.room,
            body.starts_at,
            body.ends_at,
            by=principal,
        )
    return SessionPublic.of(placed)


@router.delete("/{call_id}/sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT, responses=WRITE)
async def remove_session(call_id: UUID, session_id: UUID, principal: PrincipalDep, session: SessionDep) -> None:
    """Take a session out of the timetable (its chairs)."""
    require_network(principal)  # a 403 before any lookup: no existence oracle (decision 98)
    async with session.begin():
        await service.remove_session(session, call_id, session_id, by=principal)


@papers.get("/{paper_id}", responses=READ)
async def get_paper(paper_id: UUID, principal: PrincipalDep, session: SessionDep) -> PaperPublic:
    """One proposal: its submitter and speakers, its reviewers and the call's chairs (with the mean score)."""
    require_network(principal)
    async with session.begin():
        paper = await service.get_paper(session, paper_id)
        call = await service.get_call(session, paper.call_id)
        if not await service.may_see_paper(session, call, paper, principal):
            raise service.PaperNotFound(paper_id)  # as if there were none: no existence oracle (decision 98)
        score = (await service.mean_scores(session, [paper.id])).get(paper.id, (None, 0))
    return PaperPublic.of(paper, score if service.chairs(call, principal) else None)


@papers.post("/{paper_id}/withdraw", responses=WRITE)
async def withdraw_paper(paper_id: UUID, principal: PrincipalDep, session: SessionDep) -> PaperPublic:
    """Withdraw your own proposal while it is undecided."""
    require_network(principal)  # a 403 before any lookup: no existence oracle (decision 98)
    async with session.begin():
        return PaperPublic.of(await service.withdraw(session, paper_id, by=principal))


@papers.put("/{paper_id}/reviewers/{person_id}", responses=WRITE)
async def assign_reviewer(
    paper_id: UUID, person_id: PersonId, principal: PrincipalDep, session: SessionDep
) -> ReviewPublic:
    """Make someone a reviewer of a proposal (the call's chairs); never its submitter or a speaker."""
    require_network(principal)  # a 403 before any lookup: no existence oracle (decision 98)
    async with session.begin():
        return ReviewPublic.of(await service.assign_reviewer(session, paper_id, person_id, by=principal))


@papers.put("/{paper_id}/review", responses=WRITE)
async def review_paper(paper_id: UUID, body: ReviewBody, principal: PrincipalDep, session: SessionDep) -> ReviewPublic:
    """Score a proposal you were assigned, 1-5 with a comment; again to change it, until it is decided."""
    require_network(principal)  # a 403 before any lookup: no existence oracle (decision 98)
    async with session.begin():
        return ReviewPublic.of(await service.review(session, paper_id, body.score, body.comment, by=principal))


@papers.get("/{paper_id}/reviews", responses=READ)
async def list_reviews(paper_id: UUID, principal: PrincipalDep, session: SessionDep) -> list[ReviewPublic]:
    """A proposal's reviews (the call's chairs only: reviews are not shown to submitters)."""
    require_network(principal)  # a 403 before any lookup: no existence oracle (decision 98)
    async with session.begin():
        paper = await service.get_paper(session, paper_id)
        await service.require_paper_chair(
            session, await service.get_call(session, paper.call_id), paper, principal, "read reviews"
        )
        return [ReviewPublic.of(r) for r in await service.reviews_of(session, paper_id)]


@papers.post("/{paper_id}/decision", responses=WRITE)
async def decide_paper(paper_id: UUID, body: DecisionBody, principal: PrincipalDep, session: SessionDep) -> PaperPublic:
    """Accept or reject a proposal once the call has closed (its chairs): PaperDecided; nothing when the
    decision is already this one."""
    require_network(principal)  # a 403 before any lookup: no existence oracle (decision 98)
    async with session.begin():
        return PaperPublic.of(await service.decide(session, paper_id, body.decision, by=principal))
