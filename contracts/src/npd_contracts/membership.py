"""Events published by the membership service (topic npd.membership.organisation)."""

from datetime import datetime
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from npd_contracts.base import EventData
from npd_contracts.topics import MEMBERSHIP_ORGANISATION, Topic


class OrganisationKind(StrEnum):
    MUNICIPALITY = "municipality"
    EXECUTIVE_AGENCY = "executive_agency"
    PROVINCE = "province"
    WATER_BOARD = "water_board"
    INDEPENDENT_BODY = "independent_body"
    OTHER = "other"


class LeaveReason(StrEnum):
    WITHDREW = "withdrew"
    REMOVED = "removed"


class _OrganisationEvent(EventData):
    TOPIC: ClassVar[Topic] = MEMBERSHIP_ORGANISATION
    SUBJECT_FIELD: ClassVar[str] = "organisation_id"

    organisation_id: UUID = Field(description="The organisation this event is about; the Kafka key.")


class OrganisationApplied(_OrganisationEvent):
    """An organisation applied to join the network."""

    TYPE: ClassVar[str] = "nl.npd.membership.organisation-applied.v1"

    name: str = Field(max_length=200)
    kind: OrganisationKind
    applicant_person_id: str = Field(max_length=255, description="Subject (person id) of the applicant.")
    applied_at: datetime


class MemberJoined(_OrganisationEvent):
    """The network admitted an organisation: it is a member from `joined_at`."""

    TYPE: ClassVar[str] = "nl.npd.membership.member-joined.v1"

    name: str = Field(max_length=200)
    kind: OrganisationKind
    contact_person_id: str = Field(
        max_length=255, description="Person id of the organisation's contact; never their e-mail address."
    )
    joined_at: datetime


class MemberLeft(_OrganisationEvent):
    """An organisation stopped being a member."""

    TYPE: ClassVar[str] = "nl.npd.membership.member-left.v1"

    reason: LeaveReason
    left_at: datetime
