"""Joint position events published by the membership service (topic npd.membership.position, keyed by
position id).

A working group or the board drafts a position, revises it, circulates it to the member organisations for
endorsement by a deadline, and publishes it with exactly the organisations that endorsed it. Votes are the
organisation's, not a person's: no event names who cast one, and no remark text travels (it stays in
membership, readable through its API).
"""

from datetime import datetime
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from npd_contracts.base import EventData
from npd_contracts.topics import MEMBERSHIP_POSITION, Topic


class _PositionEvent(EventData):
    TOPIC: ClassVar[Topic] = MEMBERSHIP_POSITION
    SUBJECT_FIELD: ClassVar[str] = "position_id"

    position_id: UUID = Field(description="The position this event is about; the Kafka key.")


class PositionDrafted(_PositionEvent):
    """A working group (or the board) started a position: its first version."""

    TYPE: ClassVar[str] = "nl.npd.membership.position-drafted.v1"

    group_id: UUID = Field(description="The group that drafts it and owns it.")
    title: str = Field(max_length=200)
    drafted_at: datetime


class PositionRevised(_PositionEvent):
    """A new version of the text (before circulation, or while circulating: votes so far stay)."""

    TYPE: ClassVar[str] = "nl.npd.membership.position-revised.v1"

    title: str = Field(max_length=200)
    version: int = Field(ge=1)
    revised_at: datetime


class PositionCirculated(_PositionEvent):
    """The position went out to the member organisations for endorsement until `deadline`."""

    TYPE: ClassVar[str] = "nl.npd.membership.position-circulated.v1"

    group_id: UUID
    title: str = Field(max_length=200)
    version: int = Field(ge=1)
    deadline: datetime
    organisation_ids: list[UUID] = Field(description="The organisations asked to endorse it.")
    circulated_at: datetime


class Endorsement(StrEnum):
    ENDORSE = "endorse"
    ENDORSE_WITH_REMARK = "endorse_with_remark"


class PositionEndorsed(_PositionEvent):
    """An organisation endorsed the position (its latest vote counts; an earlier abstention is replaced)."""

    TYPE: ClassVar[str] = "nl.npd.membership.position-endorsed.v1"

    organisation_id: UUID
    endorsement: Endorsement = Field(description="With a remark or not; the remark's text is not in the event.")
    version: int = Field(ge=1, description="The version the organisation saw when it voted.")
    endorsed_at: datetime


class PositionAbstained(_PositionEvent):
    """An organisation abstained (its latest vote counts; an earlier endorsement is withdrawn)."""

    TYPE: ClassVar[str] = "nl.npd.membership.position-abstained.v1"

    organisation_id: UUID
    version: int = Field(ge=1)
    abstained_at: datetime


class PositionReminderDue(_PositionEvent):
    """The deadline is near and `organisation_id` has not voted: its mandated people should be reminded."""

    TYPE: ClassVar[str] = "nl.npd.membership.position-reminder-due.v1"

    organisation_id: UUID
    title: str = Field(max_length=200)
    deadline: datetime
    mandated_person_ids: list[str] = Field(
        description="Who may vote for the organisation: its mandated person, else its board members, else its "
        "admins. Ids only, never an address."
    )
    reminded_at: datetime


class PositionPublished(_PositionEvent):
    """The position was sent: frozen from now on, listing exactly the organisations that endorsed it."""

    TYPE: ClassVar[str] = "nl.npd.membership.position-published.v1"

    group_id: UUID
    title: str = Field(max_length=200)
    version: int = Field(ge=1)
    public: bool = Field(description="Readable by anyone, without logging in.")
    endorsing_organisation_ids: list[UUID]
    published_at: datetime
