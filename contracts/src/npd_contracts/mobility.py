"""Staff mobility events published by the membership service (topic npd.membership.opportunity, keyed by
opportunity id).

An organisation publishes an opportunity (a secondment, a traineeship, ...); people express interest; it
closes. Whose interest it is stays in membership: InterestExpressed carries neither the person nor their
note, so nothing on this topic can tell an employer that one of its people is looking elsewhere.
"""

from datetime import datetime
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from npd_contracts.base import EventData
from npd_contracts.topics import MEMBERSHIP_OPPORTUNITY, Topic


class OpportunityKind(StrEnum):
    SECONDMENT = "secondment"
    TRAINEESHIP = "traineeship"
    JOB_SWAP = "job_swap"
    VACANCY = "vacancy"
    SHADOWING_DAY = "shadowing_day"


class OpportunityCloseReason(StrEnum):
    CLOSED = "closed"  # the offering organisation closed it (filled, withdrawn)
    EXPIRED = "expired"  # its expiry passed


class _OpportunityEvent(EventData):
    TOPIC: ClassVar[Topic] = MEMBERSHIP_OPPORTUNITY
    SUBJECT_FIELD: ClassVar[str] = "opportunity_id"

    opportunity_id: UUID = Field(description="The opportunity this event is about; the Kafka key.")


class OpportunityPublished(_OpportunityEvent):
    """A member organisation offers an opportunity to people across the network."""

    TYPE: ClassVar[str] = "nl.npd.membership.opportunity-published.v1"

    organisation_id: UUID = Field(description="The offering organisation.")
    kind: OpportunityKind
    title: str = Field(max_length=200)
    expires_at: datetime
    published_at: datetime


class InterestExpressed(_OpportunityEvent):
    """Someone is interested. Who, and their note, only the offering organisation reads, through the API."""

    TYPE: ClassVar[str] = "nl.npd.membership.interest-expressed.v1"

    interest_id: UUID
    organisation_id: UUID = Field(description="The offering organisation (not the interested person's).")
    contact_person_id: str | None = Field(
        default=None, description="The opportunity's named contact at the offering organisation, if any."
    )
    expressed_at: datetime


class OpportunityClosed(_OpportunityEvent):
    """No more interest is taken: closed by the offering organisation, or expired."""

    TYPE: ClassVar[str] = "nl.npd.membership.opportunity-closed.v1"

    organisation_id: UUID
    reason: OpportunityCloseReason
    closed_at: datetime
