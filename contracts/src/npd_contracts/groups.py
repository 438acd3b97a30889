"""Group events published by the membership service (topic npd.membership.group, keyed by group id).

Who is in a group travels on the person topic (PersonJoinedGroup, PersonLeftGroup); this topic says which
groups exist.
"""

from datetime import datetime
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from npd_contracts.base import EventData
from npd_contracts.topics import MEMBERSHIP_GROUP, Topic


class GroupKind(StrEnum):
    WORKING_GROUP = "working_group"
    EXPERT_COMMUNITY = "expert_community"
    PROGRAMME_TEAM = "programme_team"
    BOARD = "board"


class JoinPolicy(StrEnum):
    """Open: anyone in the network joins at once. Approval: a chair approves each request."""

    OPEN = "open"
    APPROVAL = "approval"


class _GroupEvent(EventData):
    TOPIC: ClassVar[Topic] = MEMBERSHIP_GROUP
    SUBJECT_FIELD: ClassVar[str] = "group_id"

    group_id: UUID = Field(description="The group this event is about; the Kafka key.")


class GroupCreated(_GroupEvent):
    """A network admin created a group."""

    TYPE: ClassVar[str] = "nl.npd.membership.group-created.v1"

    name: str = Field(max_length=200)
    kind: GroupKind
    topic: str = Field(max_length=100, description="What the group works on, e.g. Audit, HR, housing.")
    joining: JoinPolicy
    created_at: datetime


class GroupChanged(_GroupEvent):
    """A group's name, topic or join policy changed; carries the whole new description."""

    TYPE: ClassVar[str] = "nl.npd.membership.group-changed.v1"

    name: str = Field(max_length=200)
    topic: str = Field(max_length=100)
    joining: JoinPolicy
    changed_at: datetime


class GroupArchived(_GroupEvent):
    """A group ended its work; its members left it just before (PersonLeftGroup, group_archived)."""

    TYPE: ClassVar[str] = "nl.npd.membership.group-archived.v1"

    archived_at: datetime
