"""Organisation events published by the membership service (topic npd.membership.organisation)."""

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


class PolicyDomain(StrEnum):
    """The policy areas an organisation works in (several may apply)."""

    JUSTICE = "justice"
    SECURITY = "security"
    ECONOMIC_AFFAIRS = "economic_affairs"
    EDUCATION = "education"
    HEALTH = "health"
    SOCIAL_SECURITY = "social_security"
    TAXES = "taxes"
    FINANCE = "finance"
    HOUSING = "housing"
    INFRASTRUCTURE = "infrastructure"
    ENVIRONMENT = "environment"
    AGRICULTURE = "agriculture"
    LABOUR_MARKET = "labour_market"
    CULTURE = "culture"
    DIGITAL_GOVERNMENT = "digital_government"
    INTERIOR = "interior"
    OTHER = "other"


class SizeClass(StrEnum):
    """The organisation's size by number of employees."""

    UNDER_250 = "under_250"
    FROM_250 = "250_to_999"
    FROM_1000 = "1000_to_4999"
    FROM_5000 = "5000_to_19999"
    FROM_20000 = "20000_or_more"


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
    domains: list[PolicyDomain] = Field(default_factory=list, description="Policy domains it works in.")
    size_class: SizeClass | None = None


class OrganisationRejected(_OrganisationEvent):
    """A network admin turned an application down; the name is free to apply again."""

    TYPE: ClassVar[str] = "nl.npd.membership.organisation-rejected.v1"

    reason: str = Field(max_length=1000, description="Why, in the network admin's words, for the applicant.")
    rejected_at: datetime


class MemberJoined(_OrganisationEvent):
    """The network admitted an organisation: it is a member from `joined_at`."""

    TYPE: ClassVar[str] = "nl.npd.membership.member-joined.v1"

    name: str = Field(max_length=200)
    kind: OrganisationKind
    contact_person_id: str = Field(
        max_length=255, description="Person id of the organisation's contact; never their e-mail address."
    )
    joined_at: datetime
    domains: list[PolicyDomain] = Field(default_factory=list, description="Policy domains it works in.")
    size_class: SizeClass | None = None


class OrganisationProfileChanged(_OrganisationEvent):
    """A member's name, kind, policy domains or size changed; carries the whole new profile."""

    TYPE: ClassVar[str] = "nl.npd.membership.organisation-profile-changed.v1"

    name: str = Field(max_length=200)
    kind: OrganisationKind
    domains: list[PolicyDomain]
    size_class: SizeClass | None = None
    changed_at: datetime


class MemberSuspended(_OrganisationEvent):
    """A network admin suspended a member: it stays in the network but takes no part until reinstated."""

    TYPE: ClassVar[str] = "nl.npd.membership.member-suspended.v1"

    reason: str = Field(max_length=1000)
    suspended_at: datetime


class MemberReinstated(_OrganisationEvent):
    """A suspended member takes part again."""

    TYPE: ClassVar[str] = "nl.npd.membership.member-reinstated.v1"

    reinstated_at: datetime


class MemberLeft(_OrganisationEvent):
    """An organisation stopped being a member."""

    TYPE: ClassVar[str] = "nl.npd.membership.member-left.v1"

    reason: LeaveReason
    left_at: datetime
