"""Practice events published by the events service (issue 10).

`npd.events.practice` is keyed by practice id. A practice's text is read over HTTP, where its label is
enforced for each reader; the events carry only what every consumer of the topic may know: the label, the
group of a group-only practice, its themes, and the title where the label lets the network read it. A
Chatham House practice's events name no author and no organisation; a group-only practice's events carry no
title either (a consumer serving the whole network must not learn what the group keeps to itself).
"""

from datetime import datetime
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from npd_contracts.base import EventData
from npd_contracts.topics import EVENTS_PRACTICE, Topic


class PracticeLabel(StrEnum):
    """Who may read a practice."""

    PUBLIC = "public"
    NETWORK = "network"
    GROUP = "group"
    CHATHAM_HOUSE = "chatham_house"


class PracticeTheme(StrEnum):
    AUDIT = "audit"
    HR = "hr"
    COMPLIANCE = "compliance"
    SERVICE_DELIVERY = "service_delivery"
    DATA_SHARING = "data_sharing"
    INFORMATION_SECURITY = "information_security"
    PRIVACY = "privacy"
    DIGITAL_TRANSFORMATION = "digital_transformation"
    PROCUREMENT = "procurement"
    FINANCE = "finance"
    COMMUNICATION = "communication"
    OTHER = "other"


class _PracticeEvent(EventData):
    TOPIC: ClassVar[Topic] = EVENTS_PRACTICE
    SUBJECT_FIELD: ClassVar[str] = "practice_id"

    practice_id: UUID = Field(description="The practice; the Kafka key.")
    label: PracticeLabel
    group_id: UUID | None = Field(description="The group a group-only practice is shared with; none otherwise.")


class _PracticeState(_PracticeEvent):
    themes: list[PracticeTheme] = Field(max_length=12)
    title: str | None = Field(
        max_length=200, description="Its title for public, network and Chatham House practices; none for group-only."
    )
    author_id: str | None = Field(
        max_length=255, description="Who shared it; none for Chatham House practices and once erased."
    )
    organisation_id: UUID | None = Field(description="The author's organisation; none for Chatham House practices.")


class PracticeShared(_PracticeState):
    """A person shared a practice under a confidentiality label."""

    TYPE: ClassVar[str] = "nl.npd.events.practice-shared.v1"

    shared_at: datetime


class PracticeUpdated(_PracticeState):
    """Its author changed a practice; carries its label, themes and title as they are now."""

    TYPE: ClassVar[str] = "nl.npd.events.practice-updated.v1"

    updated_at: datetime


class PracticeWithdrawn(_PracticeEvent):
    """A practice was withdrawn: it is no longer read, listed or found."""

    TYPE: ClassVar[str] = "nl.npd.events.practice-withdrawn.v1"

    withdrawn_at: datetime
