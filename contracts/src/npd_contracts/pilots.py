"""Pilot events published by the events service (issue 10).

`npd.events.pilot` is keyed by pilot id: a pilot's registration, its changes, who follows it and how far each
member organisation has adopted it, in order. Pilots are the network's (every member may read them); people
appear by id only.
"""

from datetime import datetime
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from npd_contracts.base import EventData
from npd_contracts.topics import EVENTS_PILOT, Topic


class PilotStatus(StrEnum):
    """Where a pilot stands."""

    PREPARING = "preparing"
    RUNNING = "running"
    EVALUATING = "evaluating"
    PROVEN = "proven"
    STOPPED = "stopped"


class AdoptionStatus(StrEnum):
    """How far a member organisation has taken a pilot up."""

    INTENDS = "intends"
    STARTED = "started"
    IN_USE = "in_use"


class _PilotEvent(EventData):
    TOPIC: ClassVar[Topic] = EVENTS_PILOT
    SUBJECT_FIELD: ClassVar[str] = "pilot_id"

    pilot_id: UUID = Field(description="The pilot; the Kafka key.")


class PilotRegistered(_PilotEvent):
    """A member organisation registered a pilot."""

    TYPE: ClassVar[str] = "nl.npd.events.pilot-registered.v1"

    title: str = Field(max_length=200)
    status: PilotStatus
    owner_organisation_id: UUID
    registered_by: str | None = Field(max_length=255, description="Who registered it; none once erased.")
    registered_at: datetime


class PilotUpdated(_PilotEvent):
    """A pilot changed; says its status now and before, and whether its results changed."""

    TYPE: ClassVar[str] = "nl.npd.events.pilot-updated.v1"

    title: str = Field(max_length=200)
    status: PilotStatus
    previous_status: PilotStatus
    results_changed: bool
    changed: list[str] = Field(max_length=20, description="The names of the fields that changed.")
    updated_at: datetime


class PilotFollowed(_PilotEvent):
    """A person follows a pilot (to hear of its status and results)."""

    TYPE: ClassVar[str] = "nl.npd.events.pilot-followed.v1"

    person_id: str = Field(max_length=255)
    followed_at: datetime


class PilotUnfollowed(_PilotEvent):
    """A person no longer follows a pilot."""

    TYPE: ClassVar[str] = "nl.npd.events.pilot-unfollowed.v1"

    person_id: str = Field(max_length=255)
    unfollowed_at: datetime


class PilotAdoptionChanged(_PilotEvent):
    """A member organisation declared (or changed, or withdrew) how far it has adopted a pilot."""

    TYPE: ClassVar[str] = "nl.npd.events.pilot-adoption-changed.v1"

    organisation_id: UUID
    status: AdoptionStatus | None = Field(description="Its adoption now; none when it withdrew its declaration.")
    previous_status: AdoptionStatus | None
    changed_at: datetime
