"""HTTP models of the positions API (never the event contracts)."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import Query
from npd_runtime.validation import Text, described
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from npd_membership.positions.domain import Ballot, PositionStatus, PositionVersion, Vote
from npd_membership.positions.queries import OrganisationVote, PositionView

Status = Annotated[
    PositionStatus,
    described(
        "Draft: its group writes it. Circulating: out to the member organisations for endorsement. Published: "
        "sent, frozen, listing exactly the endorsing organisations."
    ),
]
Choice = Annotated[
    Vote,
    described("An organisation's vote: endorse, endorse with a remark (the remark is required), or abstain."),
]
# Letters and notes have paragraphs: line breaks and tabs are allowed, other control characters not.
Prose = Annotated[str, Field(pattern="^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$")]
StatusFilter = Annotated[Status | None, Query(description="Only positions with this status")]


class PositionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    group_id: UUID = Field(description="The working group (or the board) that drafts and owns it.")
    title: Text = Field(min_length=2, max_length=200, examples=["Brief aan de formateur: gegevensdeling"])
    text: Prose = Field(min_length=1, max_length=100_000, description="The position's text; line breaks allowed.")


class PositionRevision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Text = Field(min_length=2, max_length=200)
    text: Prose = Field(min_length=1, max_length=100_000)
    note: Text = Field(default="", max_length=1000, description="What changed and why.")


class Circulation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    deadline: AwareDatetime = Field(description="Votes are taken until this moment (with a time zone).")


class Publication(BaseModel):
    model_config = ConfigDict(extra="forbid")

    public: bool = Field(default=False, description="Readable by anyone, without logging in, once published.")


class VoteBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    vote: Choice
    remark: Prose = Field(default="", max_length=4000, description="Required with endorse_with_remark, else empty.")


class MandateBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person_id: Text = Field(min_length=1, max_length=255, description="An active person of the organisation.")


class MandatePublic(BaseModel):
    organisation_id: UUID
    mandated: list[str] = Field(description="Who votes for the organisation on positions, as things stand.")
    explicit: bool = Field(description="True when the organisation's admins named the person; else the default.")


class TallyPublic(BaseModel):
    addressed: int
    endorse: int
    endorse_with_remark: int
    abstain: int
    pending: int


class EndorserPublic(BaseModel):
    organisation_id: UUID
    name: str


class PositionPublic(BaseModel):
    id: UUID
    group_id: UUID
    title: str
    status: Status
    version: int
    public: bool
    created_at: datetime
    deadline: datetime | None
    circulated_at: datetime | None
    published_at: datetime | None


class PositionDetail(PositionPublic):
    text: str
    tally: TallyPublic
    endorsed_by: list[EndorserPublic] = Field(description="Once published: exactly the endorsing organisations.")

    @classmethod
    def of(cls, v: PositionView) -> "PositionDetail":
        t = v.tally
        return cls(
            **PositionPublic.model_validate(v.position, from_attributes=True).model_dump(),
            text=v.current.text,
            tally=TallyPublic(
                addressed=t.addressed,
                endorse=t.endorse,
                endorse_with_remark=t.endorse_with_remark,
                abstain=t.abstain,
                pending=t.pending,
            ),
            endorsed_by=[EndorserPublic(organisation_id=o, name=n) for o, n in v.endorsing],
        )


class VersionPublic(BaseModel):
    number: int
    title: str
    text: str
    note: str
    created_at: datetime

    @classmethod
    def of(cls, v: PositionVersion) -> "VersionPublic":
        return cls(number=v.number, title=v.title, text=v.text, note=v.note, created_at=v.created_at)


class DiffPublic(BaseModel):
    from_version: int
    to_version: int
    unified: str = Field(description="A unified diff of the title and text (empty when they are the same).")


class OrganisationVotePublic(BaseModel):
    organisation_id: UUID
    organisation_name: str
    vote: Choice | None = Field(description="None: not voted yet.")
    remark: str
    version: int | None = Field(description="The version the vote was cast on.")
    cast_at: datetime | None

    @classmethod
    def of(cls, v: OrganisationVote) -> "OrganisationVotePublic":
        return cls.model_validate(v, from_attributes=True)


class BallotPublic(BaseModel):
    organisation_id: UUID
    vote: Choice
    remark: str
    version: int
    cast_at: datetime

    @classmethod
    def of(cls, b: Ballot) -> "BallotPublic":
        return cls(
            organisation_id=b.organisation_id, vote=b.vote, remark=b.remark, version=b.version, cast_at=b.cast_at
        )
