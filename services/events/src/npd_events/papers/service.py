"""Call for papers use cases: open and close a call, submit and withdraw proposals, assign reviewers and
review, decide, build the timetable and publish the programme. Each locks the call it changes (so decisions,
sessions and the programme of one call happen one at a time, and their events leave in order) and writes its
events to the outbox; nothing here commits.

Who chairs a call: network admins, and the members of the programme team the call names.
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from uuid import UUID, uuid4

from npd_contracts import meetings as contracts
from npd_runtime import Principal
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from npd_events.meetings.domain import Meeting, MeetingFormat, MeetingStatus
from npd_events.models import (
    CALLS,
    GROUPS,
    MEETINGS,
    ORGANISATIONS,
    PAPERS,
    PROGRAMME_SESSIONS,
    REVIEWS,
    calls,
    papers,
    programme_sessions,
    reviews,
)
from npd_events.network.domain import GroupKind, OrganisationStatus
from npd_events.papers import domain
from npd_events.papers.domain import Call, Conference, Decision, Paper, PaperFormat, Proposal, Review, Session


class MeetingNotFound(LookupError):
    def __init__(self, meeting_id: UUID) -> None:
        super().__init__(f"meeting {meeting_id} does not exist")


class CallNotFound(LookupError):
    def __init__(self, call_id: UUID) -> None:
        super().__init__(f"call for papers {call_id} does not exist")


class PaperNotFound(LookupError):
    def __init__(self, paper_id: UUID) -> None:
        super().__init__(f"proposal {paper_id} does not exist")


class SessionNotFound(LookupError):
    def __init__(self, session_id: UUID) -> None:
        super().__init__(f"session {session_id} is not in this programme")


class NotAProgrammeTeam(LookupError):
    def __init__(self, group_id: UUID) -> None:
        super().__init__(f"group {group_id} is not an active programme team")


class UnknownPerson(LookupError):
    def __init__(self, person_id: str) -> None:
        super().__init__(f"person {person_id!r} is not in the network")


class CallExists(Exception):
    def __init__(self, meeting_id: UUID) -> None:
        super().__init__(f"conference {meeting_id} already has a call for papers")


class NotACallChair(PermissionError):
    def __init__(self, call_id: UUID, wanted: str) -> None:
        super().__init__(f"only network admins and the call's programme team can {wanted} (call {call_id})")


class NotEligible(PermissionError):
    def __init__(self, person_id: str) -> None:
        super().__init__(f"person {person_id!r} is not of a member organisation: only they submit proposals")


class NotYourPaper(PermissionError):
    def __init__(self, paper_id: UUID) -> None:
        super().__init__(f"proposal {paper_id} is not yours to see or change")


def _now() -> datetime:
    return datetime.now(UTC)


# -- reading -------------------------------------------------------------------------------------------------


async def _meeting(session: AsyncSession, meeting_id: UUID) -> Meeting:
    meeting = await MEETINGS.get(session, meeting_id)
    if meeting is None:
        raise MeetingNotFound(meeting_id)
    return meeting


def conference_of(meeting: Meeting) -> Conference:
    return Conference(
        meeting.id,
        is_conference=meeting.format is MeetingFormat.CONFERENCE,
        cancelled=meeting.status is MeetingStatus.CANCELLED,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
    )


async def get_call(session: AsyncSession, call_id: UUID, *, for_update: bool = False) -> Call:
    call = await CALLS.get(session, call_id, for_update=for_update)
    if call is None:
        raise CallNotFound(call_id)
    return call


async def get_paper(session: AsyncSession, paper_id: UUID) -> Paper:
    paper = await PAPERS.get(session, paper_id)
    if paper is None:
        raise PaperNotFound(paper_id)
    return paper


def chairs(call: Call, by: Principal) -> bool:
    return by.is_network_admin or (call.programme_group_id is not None and by.in_group(call.programme_group_id))


def require_chair(call: Call, by: Principal, wanted: str) -> None:
    if not chairs(call, by):
        raise NotACallChair(call.id, wanted)


async def require_paper_chair(session: AsyncSession, call: Call, paper: Paper, by: Principal, wanted: str) -> None:
    """A chair's act on a proposal: refused (403) to whoever may see the proposal, and to whoever may not, answered
    as if there were none (404), so that a proposal's existence is no secret told by its refusal (decision 98)."""
    if not chairs(call, by):
        raise (
            NotACallChair(call.id, wanted) if await may_see_paper(session, call, paper, by) else PaperNotFound(paper.id)
        )


async def reviews_of(session: AsyncSession, paper_id: UUID) -> list[Review]:
    stmt = REVIEWS.select().where(reviews.c.paper_id == paper_id).order_by(reviews.c.assigned_at, reviews.c.id)
    return await REVIEWS.all(session, stmt)


async def review_by(session: AsyncSession, paper_id: UUID, reviewer_id: str) -> Review | None:
    stmt = REVIEWS.select().where(reviews.c.paper_id == paper_id, reviews.c.reviewer_id == reviewer_id)
    found = await REVIEWS.all(session, stmt)
    return found[0] if found else None


async def may_see_paper(session: AsyncSession, call: Call, paper: Paper, by: Principal) -> bool:
    if chairs(call, by) or domain.involves(paper, by.person_id):
        return True
    return await review_by(session, paper.id, by.person_id) is not None


async def timetable(session: AsyncSession, call_id: UUID) -> list[Session]:
    stmt = (
        PROGRAMME_SESSIONS.select()
        .where(programme_sessions.c.call_id == call_id)
        .order_by(programme_sessions.c.starts_at, programme_sessions.c.room, programme_sessions.c.id)
    )
    return await PROGRAMME_SESSIONS.all(session, stmt)


async def list_papers(
    session: AsyncSession, call: Call, by: Principal, *, limit: int, offset: int
) -> tuple[list[Paper], int]:
    """All proposals for the call's chairs; for anyone else, theirs and those they review."""
    where = [papers.c.call_id == call.id]
    if not chairs(call, by):
        mine = (papers.c.submitter_id == by.person_id) | papers.c.speaker_ids.contains([by.person_id])
        reviewing = papers.c.id.in_(select(reviews.c.paper_id).where(reviews.c.reviewer_id == by.person_id))
        where.append(mine | reviewing)
    stmt = PAPERS.select().where(*where).order_by(papers.c.submitted_at, papers.c.id).limit(limit).offset(offset)
    total = await session.scalar(select(func.count()).select_from(papers).where(*where))
    return await PAPERS.all(session, stmt), total or 0


async def mean_scores(session: AsyncSession, paper_ids: list[UUID]) -> dict[UUID, tuple[float | None, int]]:
    stmt = (
        select(reviews.c.paper_id, func.avg(reviews.c.score), func.count(reviews.c.score))
        .where(reviews.c.paper_id.in_(paper_ids))
        .group_by(reviews.c.paper_id)
    )
    return {pid: (round(float(avg), 2) if avg is not None else None, n) for pid, avg, n in await session.execute(stmt)}


async def list_calls(
    session: AsyncSession, meeting_id: UUID | None, *, limit: int, offset: int
) -> tuple[list[Call], int]:
    where = [] if meeting_id is None else [calls.c.meeting_id == meeting_id]
    stmt = CALLS.select().where(*where).order_by(calls.c.opened_at.desc(), calls.c.id).limit(limit).offset(offset)
    total = await session.scalar(select(func.count()).select_from(calls).where(*where))
    return await CALLS.all(session, stmt), total or 0


# -- the call ----------------------------------------------------------------------------------------------


async def open_call(
    session: AsyncSession,
    meeting_id: UUID,
    title: str,
    description: str,
    topics: list[str],
    formats: list[PaperFormat],
    closes_at: datetime,
    programme_group_id: UUID | None,
    *,
    by: Principal,
) -> Call:
    # The conference's row is locked so two calls for it cannot both be opened.
    meeting = await MEETINGS.get(session, meeting_id, for_update=True)
    if meeting is None:
        raise MeetingNotFound(meeting_id)
    if programme_group_id is not None:
        group = await GROUPS.get(session, programme_group_id)
        if group is None or group.archived or group.kind is not GroupKind.PROGRAMME_TEAM:
            raise NotAProgrammeTeam(programme_group_id)
    if not by.is_network_admin and not (programme_group_id and by.in_group(programme_group_id)):
        raise NotACallChair(meeting_id, "open a call for papers")
    if await session.scalar(select(calls.c.id).where(calls.c.meeting_id == meeting_id)) is not None:
        raise CallExists(meeting_id)
    call = domain.open_call(
        uuid4(),
        conference_of(meeting),
        title,
        description,
        topics,
        formats,
        closes_at,
        programme_group_id,
        by.person_id,
        _now(),
    )
    opened = contracts.CallForPapersOpened(
        call_id=call.id,
        meeting_id=meeting_id,
        title=call.title,
        topics=list(call.topics),
        closes_at=call.closes_at,
        opened_at=call.opened_at,
    )
    await CALLS.insert(session, [call], events=[opened])
    return call


async def _closed(session: AsyncSession, call: Call, now: datetime, *, early: bool) -> Call:
    """The call, closed if a chair closes it (early) or its deadline has passed; announced once."""
    if call.status is domain.CallStatus.CLOSED or (not early and domain.is_open(call, now)):
        return call
    closed = domain.close(call, now)
    assert closed is not None and closed.closed_at is not None
    event = contracts.CallForPapersClosed(call_id=call.id, closed_at=closed.closed_at)
    await CALLS.update(session, closed, "status", "closed_at", events=[event])
    return closed


async def close_call(session: AsyncSession, call_id: UUID, *, by: Principal) -> Call:
    call = await get_call(session, call_id, for_update=True)
    require_chair(call, by, "close the call")
    return await _closed(session, call, _now(), early=True)


# -- proposals and reviews ---------------------------------------------------------------------------------


async def _require_people(session: AsyncSession, person_ids: tuple[str, ...]) -> None:
    known = set(
        await session.scalars(
            text("SELECT person_id FROM access_people WHERE person_id = ANY(:ids) AND gone_at IS NULL"),
            {"ids": list(person_ids)},
        )
    )
    for person_id in person_ids:
        if person_id not in known:
            raise UnknownPerson(person_id)


async def _require_member_organisation(session: AsyncSession, by: Principal) -> None:
    organisation = None if by.org_id is None else await ORGANISATIONS.get(session, by.org_id)
    if organisation is None or organisation.status is not OrganisationStatus.MEMBER:
        raise NotEligible(by.person_id)


async def submit(session: AsyncSession, call_id: UUID, proposal: Proposal, *, by: Principal) -> Paper:
    # A shared lock: proposals come in side by side, but not while the call is being closed.
    call = await get_call(session, call_id)
    await session.execute(select(calls.c.id).where(calls.c.id == call_id).with_for_update(read=True))
    await _require_member_organisation(session, by)
    paper = domain.submit(call, uuid4(), proposal, by.person_id, _now())
    await _require_people(session, paper.speaker_ids)
    submitted = contracts.PaperSubmitted(
        call_id=call.id,
        paper_id=paper.id,
        title=paper.title,
        submitter_id=by.person_id,
        speaker_ids=list(paper.speaker_ids),
        submitted_at=paper.submitted_at,
    )
    await PAPERS.insert(session, [paper], events=[submitted])
    return paper


async def withdraw(session: AsyncSession, paper_id: UUID, *, by: Principal) -> Paper:
    paper = await get_paper(session, paper_id)
    call = await get_call(session, paper.call_id, for_update=True)
    paper = await get_paper(session, paper_id)
    if paper.submitter_id != by.person_id:
        # Whoever may not see the proposal is told there is none (decision 98).
        raise NotYourPaper(paper_id) if await may_see_paper(session, call, paper, by) else PaperNotFound(paper_id)
    withdrawn = domain.withdraw(call, paper, _now())
    await PAPERS.update(session, withdrawn, "status", "decided_at")
    return withdrawn


async def assign_reviewer(session: AsyncSession, paper_id: UUID, reviewer_id: str, *, by: Principal) -> Review:
    paper = await get_paper(session, paper_id)
    call = await get_call(session, paper.call_id, for_update=True)
    await require_paper_chair(session, call, paper, by, "assign reviewers")
    await _require_people(session, (reviewer_id,))
    existing = await review_by(session, paper_id, reviewer_id)
    assigned = domain.assign(uuid4(), await get_paper(session, paper_id), existing, reviewer_id, _now())
    if assigned is None:
        assert existing is not None
        return existing
    await REVIEWS.insert(session, [assigned])
    return assigned


async def review(session: AsyncSession, paper_id: UUID, score: int, comment: str, *, by: Principal) -> Review:
    paper = await get_paper(session, paper_id)
    call = await get_call(session, paper.call_id, for_update=True)
    paper = await get_paper(session, paper_id)
    assignment = await review_by(session, paper_id, by.person_id)
    if assignment is None and not await may_see_paper(session, call, paper, by):
        raise PaperNotFound(paper_id)  # as if there were none: no existence oracle (decision 98)
    reviewed = domain.review(paper, assignment, by.person_id, score, comment, _now())
    await REVIEWS.update(session, reviewed, "score", "comment", "reviewed_at")
    return reviewed


async def decide(session: AsyncSession, paper_id: UUID, decision: Decision, *, by: Principal) -> Paper:
    paper = await get_paper(session, paper_id)
    call = await get_call(session, paper.call_id, for_update=True)
    await require_paper_chair(session, call, paper, by, "accept or reject proposals")
    now = _now()
    call = await _closed(session, call, now, early=False)
    paper = await get_paper(session, paper_id)
    scheduled = any(s.paper_id == paper.id for s in await timetable(session, call.id))
    decided = domain.decide(call, paper, decision, scheduled, by.person_id, now)
    if decided is None:
        return paper
    assert decided.decided_at is not None
    event = contracts.PaperDecided(
        call_id=call.id,
        paper_id=paper.id,
        decision=contracts.PaperDecision(decision.value),
        decided_at=decided.decided_at,
    )
    await PAPERS.update(session, decided, "status", "decided_at", "decided_by", events=[event])
    return decided


# -- the timetable -------------------------------------------------------------------------------------------


async def place_session(
    session: AsyncSession,
    call_id: UUID,
    session_id: UUID | None,
    paper_id: UUID | None,
    title: str | None,
    room: str,
    starts_at: datetime,
    ends_at: datetime,
    *,
    by: Principal,
) -> Session:
    """A new session (session_id None) or a session moved; a proposal's title is the default title."""
    call = await get_call(session, call_id, for_update=True)
    require_chair(call, by, "change the programme")
    slots = await timetable(session, call_id)
    if session_id is not None and not any(s.id == session_id for s in slots):
        raise SessionNotFound(session_id)
    paper = None if paper_id is None else await get_paper(session, paper_id)
    if paper is not None and paper.call_id != call_id:
        raise PaperNotFound(paper.id)
    name = title or (paper.title if paper else "")
    candidate = Session(session_id or uuid4(), call_id, None, name, room, starts_at, ends_at, ())
    placed = domain.place(conference_of(await _meeting(session, call.meeting_id)), slots, candidate, paper)
    if session_id is None:
        await PROGRAMME_SESSIONS.insert(session, [placed])
    else:
        fields = ("paper_id", "title", "room", "starts_at", "ends_at", "speaker_ids")
        await PROGRAMME_SESSIONS.update(session, placed, *fields)
    return placed


async def remove_session(session: AsyncSession, call_id: UUID, session_id: UUID, *, by: Principal) -> None:
    call = await get_call(session, call_id, for_update=True)
    require_chair(call, by, "change the programme")
    slot = await PROGRAMME_SESSIONS.get(session, session_id)
    if slot is None or slot.call_id != call_id:
        raise SessionNotFound(session_id)
    await session.execute(programme_sessions.delete().where(programme_sessions.c.id == session_id))


async def publish_programme(session: AsyncSession, call_id: UUID, *, by: Principal) -> tuple[Call, list[Session]]:
    call = await get_call(session, call_id, for_update=True)
    require_chair(call, by, "publish the programme")
    slots = await timetable(session, call_id)
    published = domain.publish(call, conference_of(await _meeting(session, call.meeting_id)), slots, _now())
    assert published.programme_published_at is not None
    event = contracts.ProgrammePublished(
        call_id=call.id,
        meeting_id=call.meeting_id,
        sessions=[
            contracts.ProgrammeSession(
                session_id=s.id,
                paper_id=s.paper_id,
                title=s.title,
                room=s.room,
                starts_at=s.starts_at,
                ends_at=s.ends_at,
                speaker_ids=list(s.speaker_ids),
            )
            for s in slots
        ],
        published_at=published.programme_published_at,
    )
    await CALLS.update(session, published, "programme_published_at", events=[event])
    return published, slots


# -- erasure ---------------------------------------------------------------------------------------------------


async def erase(session: AsyncSession, person_ids: Sequence[str], now: datetime) -> None:
    for person_id in person_ids:
        await _erase(session, person_id)


async def _erase(session: AsyncSession, person_id: str) -> None:
    """PersonErased: the person leaves proposals (as submitter and speaker), sessions, reviews (their name
    and words; the score stays unattributed) and the calls and decisions they made."""
    mine = (papers.c.submitter_id == person_id) | papers.c.speaker_ids.contains([person_id])
    for paper in await PAPERS.all(session, PAPERS.select().where(mine).with_for_update()):
        erased = domain.erase_from_paper(paper, person_id)
        if erased is not None:
            await PAPERS.update(session, erased, "submitter_id", "speaker_ids")
    speaking = programme_sessions.c.speaker_ids.contains([person_id])
    for slot in await PROGRAMME_SESSIONS.all(session, PROGRAMME_SESSIONS.select().where(speaking)):
        cleared = domain.erase_from_session(slot, person_id)
        if cleared is not None:
            await PROGRAMME_SESSIONS.update(session, cleared, "speaker_ids")
    for r in await REVIEWS.all(session, REVIEWS.select().where(reviews.c.reviewer_id == person_id)):
        await REVIEWS.update(session, domain.erase_review(r), "reviewer_id", "comment")
    await session.execute(papers.update().where(papers.c.decided_by == person_id).values(decided_by=None))
    await session.execute(calls.update().where(calls.c.opened_by == person_id).values(opened_by=None))
