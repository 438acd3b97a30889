"""Groups of the network (working groups, expert communities, programme teams, the board), free of I/O and
of the event contracts.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID


class GroupKind(StrEnum):
    WORKING_GROUP = "working_group"
    EXPERT_COMMUNITY = "expert_community"
    PROGRAMME_TEAM = "programme_team"
    BOARD = "board"


class JoinPolicy(StrEnum):
    OPEN = "open"
    APPROVAL = "approval"


class GroupStatus(StrEnum):
    ACTIVE = "active"
    ARCHIVED = "archived"


class GroupRole(StrEnum):
    CHAIR = "chair"
    MEMBER = "member"


class MembershipStatus(StrEnum):
    """A request waits for a chair's approval; an active membership is a member or chair."""

    REQUESTED = "requested"
    ACTIVE = "active"


class GroupLeaveReason(StrEnum):
    LEFT = "left"
    REMOVED = "removed"
    ORGANISATION_LEFT = "organisation_left"
    PERSON_LEFT = "person_left"
    GROUP_ARCHIVED = "group_archived"
    ERASED = "erased"


@dataclass(frozen=True)
class Group:
    id: UUID
    name: str
    kind: GroupKind
    topic: str
    description: str
    joining: JoinPolicy
    status: GroupStatus
    created_at: datetime
    archived_at: datetime | None = None


@dataclass(frozen=True)
class GroupMembership:
    group_id: UUID
    person_id: str
    role: GroupRole
    status: MembershipStatus
    requested_at: datetime
    joined_at: datetime | None = None
