"""Calls for papers and the conference programme, free of I/O and of the event contracts.

A network admin (or the programme team named on the call) opens a call for a conference with a deadline,
topics and the formats it takes. While it is open, people of member organisations submit proposals with
their speakers. Chairs of the call assign reviewers, who score each proposal 1-5 with a comment; nobody
reviews a proposal they submitted or speak in. Once the call has closed (at its deadline, or earlier by a
chair), chairs accept or reject proposals, place accepted ones as sessions in rooms and slots of the
conference (no room double-booked, no speaker in two places at once, all within the conference), and
publish the programme: the whole of it, again after every change.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from uuid import UUID

MAX_SPEAKERS = 6


class CallStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class PaperFormat(StrEnum):
    TALK = "talk"
    WORKSHOP = "workshop"
    PANEL = "panel"
    LIGHTNING_TALK = "lightning_talk"


class PaperStatus(StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class Decision(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"


@dataclass(frozen=True)
class Conference:
    """What a call needs to know of its meeting."""

    id: UUID
    is_conference: bool
    cancelled: bool
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class Call:
    id: UUID
    meeting_id: UUID
    title: str
    description: str
    topics: tuple[str, ...]
    formats: tuple[PaperFormat, ...]
    closes_at: datetime
    status: CallStatus
    programme_group_id: UUID | None  # its members chair the call beside network admins
    opened_by: str | None  # None once erased
    opened_at: datetime
    closed_at: datetime | None
    programme_published_at: datetime | None


@dataclass(frozen=True)
class Paper:
    id: UUID
    call_id: UUID
    title: str
    abstract: str
    topic: str
    format: PaperFormat
    submitter_id: str | None  # None once the submitter was erased
    speaker_ids: tuple[str, ...]
    status: PaperStatus
    submitted_at: datetime
    decided_at: datetime | None
    decided_by: str | None  # also None once erased


@dataclass(frozen=True)
class Review:
    """A reviewer's assignment to a proposal; scored once they have reviewed it."""

    id: UUID
    paper_id: UUID
    reviewer_id: str | None  # None once the reviewer was erased
    score: int | None
    comment: str
    assigned_at: datetime
    reviewed_at: datetime | None


@dataclass(frozen=True)
class Session:
    """One slot of the timetable: an accepted proposal (or a plenary without one) in a room."""

    id: UUID
    call_id: UUID
    paper_id: UUID | None
    title: str
    room: str
    starts_at: datetime
    ends_at: datetime
    speaker_ids: tuple[str, ...]


@dataclass(frozen=True)
class Proposal:
    title: str
    abstract: str
    topic: str
    format: PaperFormat
    speaker_ids: tuple[str, ...]


# -- refusals ---------------------------------------------------------------------------------------


class PapersRefused(Exception):
    """The call's, the proposal's or the timetable's state does not allow this."""


class NotAConference(PapersRefused):
    def __init__(self, meeting_id: UUID) -> None:
        super().__init__(f"meeting {meeting_id} is not a conference: calls for papers are for conferences")


class ConferenceCancelled(PapersRefused):
    def __init__(self, meeting_id: UUID) -> None:
        super().__init__(f"conference {meeting_id} was cancelled")


class DeadlineNotAhead(PapersRefused):
    def __init__(self, closes_at: datetime, now: datetime, starts_at: datetime) -> None:
        super().__init__(
            f"the deadline {closes_at.isoformat()} must be after now ({now.isoformat()}) "
            f"and before the conference starts ({starts_at.isoformat()})"
        )


class CallClosed(PapersRefused):
    def __init__(self, call: Call) -> None:
        super().__init__(f"the call for papers {call.id} closed at {_closed_at(call).isoformat()}")


class CallStillOpen(PapersRefused):
    def __init__(self, call: Call) -> None:
        super().__init__(
            f"the call for papers {call.id} is open until {call.closes_at.isoformat()}: decide after it closes"
        )


class UnknownTopic(PapersRefused):
    def __init__(self, topic: str, call: Call) -> None:
        super().__init__(f"topic {topic!r} is not one of the call's topics: {', '.join(call.topics)}")


class FormatNotOffered(PapersRefused):
    def __init__(self, format: PaperFormat, call: Call) -> None:
        offered = ", ".join(f.value for f in call.formats)
        super().__init__(f"format {format.value!r} is not one the call takes: {offered}")


class TooManySpeakers(PapersRefused):
    def __init__(self, count: int) -> None:
        super().__init__(f"a proposal has at most {MAX_SPEAKERS} speakers, not {count}")


class PaperDecided(PapersRefused):
    def __init__(self, paper: Paper) -> None:
        super().__init__(f"proposal {paper.id} is already {paper.status.value}")


class PaperWithdrawn(PapersRefused):
    def __init__(self, paper: Paper) -> None:
        super().__init__(f"proposal {paper.id} was withdrawn")


class OwnPaper(PapersRefused):
    def __init__(self, paper: Paper, person_id: str) -> None:
        super().__init__(f"person {person_id!r} submitted or speaks in proposal {paper.id} and cannot review it")


class NotAssigned(PapersRefused):
    def __init__(self, paper: Paper, person_id: str) -> None:
        super().__init__(f"person {person_id!r} is not a reviewer of proposal {paper.id}")


class ScoreOutOfRange(PapersRefused):
    def __init__(self, score: int) -> None:
        super().__init__(f"a score is 1 (weak) to 5 (excellent), not {score}")


class PaperScheduled(PapersRefused):
    def __init__(self, paper: Paper) -> None:
        super().__init__(f"proposal {paper.id} has a session in the timetable: take it out first")


class NotAccepted(PapersRefused):
    def __init__(self, paper: Paper) -> None:
        super().__init__(f"proposal {paper.id} is {paper.status.value}: only accepted proposals get a session")


class TimetableClash(PapersRefused):
    """A session does not fit the timetable."""


class EndsBeforeStart(TimetableClash):
    def __init__(self, starts_at: datetime, ends_at: datetime) -> None:
        super().__init__(f"a session must end after it starts ({starts_at.isoformat()} - {ends_at.isoformat()})")


class OutsideConference(TimetableClash):
    def __init__(self, conference: Conference) -> None:
        super().__init__(
            f"a session must lie within the conference, {conference.starts_at.isoformat()} - "
            f"{conference.ends_at.isoformat()}"
        )


class RoomTaken(TimetableClash):
    def __init__(self, room: str, other: Session) -> None:
        super().__init__(
            f"room {room!r} holds session {other.id} ({other.title!r}) from {other.starts_at.isoformat()} "
            f"to {other.ends_at.isoformat()}"
        )


class SpeakerClash(TimetableClash):
    def __init__(self, speaker_id: str, other: Session) -> None:
        super().__init__(
            f"speaker {speaker_id!r} is in session {other.id} ({other.title!r}) in room {other.room!r} "
            f"from {other.starts_at.isoformat()} to {other.ends_at.isoformat()}"
        )


class AlreadyScheduled(TimetableClash):
    def __init__(self, paper_id: UUID, other: Session) -> None:
        super().__init__(f"proposal {paper_id} already has session {other.id}")


class UntitledSession(TimetableClash):
    def __init__(self) -> None:
        super().__init__("a session without a proposal (a plenary, a break) needs a title")


class EmptyProgramme(PapersRefused):
    def __init__(self, call: Call) -> None:
        super().__init__(f"the programme of call {call.id} has no sessions yet")


def _closed_at(call: Call) -> datetime:
    return call.closed_at or call.closes_at


# -- the call -------------------------------------------------------------------------------------------


def open_call(
    id: UUID,
    conference: Conference,
    title: str,
    description: str,
    topics: Iterable[str],
    formats: Iterable[PaperFormat],
    closes_at: datetime,
    programme_group_id: UUID | None,
    by: str,
    now: datetime,
) -> Call:
    if not conference.is_conference:
        raise NotAConference(conference.id)
    if conference.cancelled:
        raise ConferenceCancelled(conference.id)
    if not now < closes_at < conference.starts_at:
        raise DeadlineNotAhead(closes_at, now, conference.starts_at)
    return Call(
        id=id,
        meeting_id=conference.id,
        title=" ".join(title.split()),
        description=description.strip(),
        topics=tuple(dict.fromkeys(" ".join(t.split()) for t in topics)),
        formats=tuple(dict.fromkeys(formats)) or tuple(PaperFormat),
        closes_at=closes_at,
        status=CallStatus.OPEN,
        programme_group_id=programme_group_id,
        opened_by=by,
        opened_at=now,
        closed_at=None,
        programme_published_at=None,
    )


def is_open(call: Call, now: datetime) -> bool:
    return call.status is CallStatus.OPEN and now < call.closes_at


def close(call: Call, now: datetime) -> Call | None:
    """The call closed: by a chair before its deadline (now), or found past it (at the deadline). None when it
    already was closed, so it is announced once."""
    if call.status is CallStatus.CLOSED:
        return None
    return replace(call, status=CallStatus.CLOSED, closed_at=min(now, call.closes_at))


# -- proposals and reviews ------------------------------------------------------------------------------


def submit(call: Call, id: UUID, proposal: Proposal, submitter_id: str, now: datetime) -> Paper:
    """A proposal while the call is open; the submitter speaks unless they name other speakers."""
    if not is_open(call, now):
        raise CallClosed(call)
    topic = " ".join(proposal.topic.split())
    matching = [t for t in call.topics if t.casefold() == topic.casefold()]
    if call.topics and not matching:
        raise UnknownTopic(topic, call)
    if proposal.format not in call.formats:
        raise FormatNotOffered(proposal.format, call)
    speakers = tuple(dict.fromkeys(proposal.speaker_ids)) or (submitter_id,)
    if len(speakers) > MAX_SPEAKERS:
        raise TooManySpeakers(len(speakers))
    return Paper(
        id=id,
        call_id=call.id,
        title=" ".join(proposal.title.split()),
        abstract=proposal.abstract.strip(),
        topic=matching[0] if matching else topic,
        format=proposal.format,
        submitter_id=submitter_id,
        speaker_ids=speakers,
        status=PaperStatus.SUBMITTED,
        submitted_at=now,
        decided_at=None,
        decided_by=None,
    )


def withdraw(call: Call, paper: Paper, now: datetime) -> Paper:
    """The submitter takes their proposal back while it is undecided."""
    _undecided(paper)
    return replace(paper, status=PaperStatus.WITHDRAWN, decided_at=now)


def _undecided(paper: Paper) -> None:
    if paper.status is PaperStatus.WITHDRAWN:
        raise PaperWithdrawn(paper)
    if paper.status is not PaperStatus.SUBMITTED:
        raise PaperDecided(paper)


def involves(paper: Paper, person_id: str) -> bool:
    return person_id == paper.submitter_id or person_id in paper.speaker_ids


def assign(id: UUID, paper: Paper, existing: Review | None, reviewer_id: str, now: datetime) -> Review | None:
    """A reviewer for an undecided proposal; None when they already review it."""
    _undecided(paper)
    if involves(paper, reviewer_id):
        raise OwnPaper(paper, reviewer_id)
    if existing is not None:
        return None
    return Review(id, paper.id, reviewer_id, None, "", now, None)


def review(
    paper: Paper, assignment: Review | None, reviewer_id: str, score: int, comment: str, now: datetime
) -> Review:
    """A score of 1-5 and a comment by an assigned reviewer, until the proposal is decided (again: replaces)."""
    _undecided(paper)
    if involves(paper, reviewer_id):
        raise OwnPaper(paper, reviewer_id)
    if assignment is None:
        raise NotAssigned(paper, reviewer_id)
    if not 1 <= score <= 5:
        raise ScoreOutOfRange(score)
    return replace(assignment, score=score, comment=comment.strip(), reviewed_at=now)


def mean_score(reviews: Sequence[Review]) -> float | None:
    scores = [r.score for r in reviews if r.score is not None]
    return round(sum(scores) / len(scores), 2) if scores else None


def decide(call: Call, paper: Paper, decision: Decision, scheduled: bool, by: str, now: datetime) -> Paper | None:
    """Accept or reject once the call has closed; a chair may change their mind until the proposal has a
    session. None when the decision is already this one."""
    if is_open(call, now):
        raise CallStillOpen(call)
    if paper.status is PaperStatus.WITHDRAWN:
        raise PaperWithdrawn(paper)
    status = PaperStatus(decision.value)
    if paper.status is status:
        return None
    if scheduled:
        raise PaperScheduled(paper)
    return replace(paper, status=status, decided_at=now, decided_by=by)


# -- the timetable ----------------------------------------------------------------------------------


def _overlap(a: Session, b: Session) -> bool:
    return a.starts_at < b.ends_at and b.starts_at < a.ends_at


def place(conference: Conference, timetable: Iterable[Session], session: Session, paper: Paper | None) -> Session:
    """A session in the timetable, or the first reason it does not fit. A proposal's session has its speakers;
    the timetable is the call's other sessions (the one being moved left out)."""
    if session.ends_at <= session.starts_at:
        raise EndsBeforeStart(session.starts_at, session.ends_at)
    if session.starts_at < conference.starts_at or session.ends_at > conference.ends_at:
        raise OutsideConference(conference)
    if paper is None and not session.title.strip():
        raise UntitledSession()
    if paper is not None:
        if paper.status is not PaperStatus.ACCEPTED:
            raise NotAccepted(paper)
        session = replace(session, paper_id=paper.id, speaker_ids=paper.speaker_ids)
    room = " ".join(session.room.split())
    session = replace(session, room=room, title=" ".join(session.title.split()))
    for other in timetable:
        if other.id == session.id:
            continue
        if paper is not None and other.paper_id == paper.id:
            raise AlreadyScheduled(paper.id, other)
        if not _overlap(session, other):
            continue
        if other.room.casefold() == room.casefold():
            raise RoomTaken(room, other)
        shared = [s for s in session.speaker_ids if s in other.speaker_ids]
        if shared:
            raise SpeakerClash(shared[0], other)
    return session


def publish(call: Call, conference: Conference, timetable: Sequence[Session], now: datetime) -> Call:
    if conference.cancelled:
        raise ConferenceCancelled(conference.id)
    if not timetable:
        raise EmptyProgramme(call)
    return replace(call, programme_published_at=now)


# -- erasure ------------------------------------------------------------------------------------------


def erase_from_paper(paper: Paper, person_id: str) -> Paper | None:
    """The paper without that person as submitter or speaker; None when they were neither. Its title and
    abstract stay: they are the proposal's content (and may be in a published programme)."""
    if not involves(paper, person_id):
        return None
    submitter = None if paper.submitter_id == person_id else paper.submitter_id
    return replace(paper, submitter_id=submitter, speaker_ids=tuple(s for s in paper.speaker_ids if s != person_id))


def erase_from_session(session: Session, person_id: str) -> Session | None:
    if person_id not in session.speaker_ids:
        return None
    return replace(session, speaker_ids=tuple(s for s in session.speaker_ids if s != person_id))


def erase_review(review: Review) -> Review:
    """The reviewer's name and words go; the score stays, unattributed, so the proposal's mean is unchanged."""
    return replace(review, reviewer_id=None, comment="")
