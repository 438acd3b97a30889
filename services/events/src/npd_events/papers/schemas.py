"""HTTP models of the call-for-papers API (never the event contracts)."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import Path, Query
from npd_runtime.validation import Text, described
from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field

from npd_events.papers.domain import (
    Call,
    CallStatus,
    Decision,
    Paper,
    PaperFormat,
    PaperStatus,
    Proposal,
    Review,
    Session,
    is_open,
)

Format = Annotated[
    PaperFormat,
    described("The form a proposal takes: a talk, a workshop, a panel or a lightning talk (5 to 10 minutes)."),
]
CallState = Annotated[
    CallStatus,
    described("Open: proposals are taken until the deadline. Closed: the deadline passed or chairs closed it."),
]
PaperState = Annotated[
    PaperStatus,
    described("Submitted (awaiting a decision), accepted, rejected, or withdrawn by its submitter."),
]
Verdict = Annotated[Decision, described("A chair's decision on a proposal: accepted or rejected.")]

PersonId = Annotated[
    Text, Path(min_length=1, max_length=255, description="The person: their identity provider's subject.")
]
# Text of several lines (an abstract, a review): line breaks and tabs, but no other control character (PostgreSQL
# text cannot hold NUL, and nothing a person writes needs one).
Prose = Annotated[str, Field(pattern="^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$")]


def _not_a_number(value: object) -> object:
    # Pydantic would read a number (or a numeric string) as seconds since 1970; the API takes ISO 8601 only.
    if isinstance(value, int | float) or (isinstance(value, str) and _numeric(value)):
        raise ValueError("a moment is an ISO 8601 date and time with its UTC offset, such as 2027-06-03T09:00:00+02:00")
    return value


def _numeric(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


# A moment in time as ISO 8601 with its offset (never a bare number).
Instant = Annotated[AwareDatetime, BeforeValidator(_not_a_number)]
MeetingFilter = Annotated[UUID | None, Query(description="Only the call of this conference")]
_Person = Annotated[Text, Field(min_length=1, max_length=255)]
_Topic = Annotated[Text, Field(min_length=1, max_length=100)]


class CallCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    meeting_id: UUID = Field(description="The conference (a meeting of format conference) the call is for.")
    title: Text = Field(min_length=2, max_length=200, examples=["Call for papers: NPD-jaarcongres 2027"])
    description: Text = Field(default="", max_length=4000, description="What the call asks for; one paragraph.")
    topics: list[_Topic] = Field(min_length=1, max_length=30, description="The topics proposals may address.")
    formats: list[Format] = Field(
        default_factory=list, max_length=4, description="The formats the call takes; none named means all."
    )
    closes_at: Instant = Field(description="The deadline: after now, before the conference starts.")
    programme_group_id: UUID | None = Field(
        default=None,
        description="A programme team (group) whose members chair the call beside the network admins.",
    )


class CallPublic(BaseModel):
    id: UUID
    meeting_id: UUID
    title: str
    description: str
    topics: list[str]
    formats: list[Format]
    closes_at: datetime
    status: CallState
    open: bool = Field(description="Whether proposals are taken now (open and before the deadline).")
    programme_group_id: UUID | None
    opened_at: datetime
    closed_at: datetime | None
    programme_published_at: datetime | None

    @classmethod
    def of(cls, call: Call, now: datetime) -> "CallPublic":
        return cls(
            id=call.id,
            meeting_id=call.meeting_id,
            title=call.title,
            description=call.description,
            topics=list(call.topics),
            formats=list(call.formats),
            closes_at=call.closes_at,
            status=call.status,
            open=is_open(call, now),
            programme_group_id=call.programme_group_id,
            opened_at=call.opened_at,
            closed_at=call.closed_at,
            programme_published_at=call.programme_published_at,
        )


class PaperCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: Text = Field(min_length=2, max_length=200, examples=["Samen sneller: één loket voor ondernemers"])
    abstract: Prose = Field(min_length=10, max_length=5000, description="What the session offers; line breaks allowed.")
    topic: _Topic = Field(description="One of the call's topics.")
    format: Format
    speaker_ids: list[_Person] = Field(
        default_factory=list, max_length=10, description="The speakers (people of the network); none: the submitter."
    )

    def proposal(self) -> Proposal:
        return Proposal(self.title, self.abstract, self.topic, self.format, tuple(self.speaker_ids))


class PaperPublic(BaseModel):
    id: UUID
    call_id: UUID
    title: str
    abstract: str
    topic: str
    format: Format
    submitter_id: str | None = Field(description="None once the submitter's data was erased.")
    speaker_ids: list[str]
    status: PaperState
    submitted_at: datetime
    decided_at: datetime | None
    mean_score: float | None = Field(default=None, description="Mean review score 1-5 (the call's chairs only).")
    review_count: int | None = Field(default=None, description="Reviews with a score (the call's chairs only).")

    @classmethod
    def of(cls, paper: Paper, score: tuple[float | None, int] | None = None) -> "PaperPublic":
        return cls(
            id=paper.id,
            call_id=paper.call_id,
            title=paper.title,
            abstract=paper.abstract,
            topic=paper.topic,
            format=paper.format,
            submitter_id=paper.submitter_id,
            speaker_ids=list(paper.speaker_ids),
            status=paper.status,
            submitted_at=paper.submitted_at,
            decided_at=paper.decided_at,
            mean_score=score[0] if score else None,
            review_count=score[1] if score else None,
        )


class ReviewBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    score: int = Field(ge=1, le=5, description="1 (weak) to 5 (excellent).")
    comment: Prose = Field(default="", max_length=4000, description="For the call's chairs; line breaks allowed.")


class ReviewPublic(BaseModel):
    id: UUID
    paper_id: UUID
    reviewer_id: str | None = Field(description="None once the reviewer's data was erased.")
    score: int | None = Field(description="None until reviewed.")
    comment: str
    assigned_at: datetime
    reviewed_at: datetime | None

    @classmethod
    def of(cls, review: Review) -> "ReviewPublic":
        return cls.model_validate(review, from_attributes=True)


class DecisionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Verdict


class SessionBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    paper_id: UUID | None = Field(default=None, description="The accepted proposal it presents; none for a plenary.")
    title: Text | None = Field(
        default=None, min_length=1, max_length=200, description="Defaults to the proposal's title."
    )
    room: Text = Field(min_length=1, max_length=100, examples=["Zaal 1"])
    starts_at: Instant
    ends_at: Instant


class SessionPublic(BaseModel):
    id: UUID
    paper_id: UUID | None
    title: str
    room: str
    starts_at: datetime
    ends_at: datetime
    speaker_ids: list[str]

    @classmethod
    def of(cls, session: Session) -> "SessionPublic":
        return cls(
            id=session.id,
            paper_id=session.paper_id,
            title=session.title,
            room=session.room,
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            speaker_ids=list(session.speaker_ids),
        )


class ProgrammePublic(BaseModel):
    call_id: UUID
    meeting_id: UUID
    published_at: datetime | None = Field(description="When it was last published; None for a draft.")
    sessions: list[SessionPublic]
