"""The network as the events service knows it: member organisations and groups, read from membership's
events. Only what scheduling needs: names for listings, an organisation's kind for a guest-chair rotation,
whether it is still a member, whether a group still works.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID


class OrganisationKind(StrEnum):
    MUNICIPALITY = "municipality"
    EXECUTIVE_AGENCY = "executive_agency"
    PROVINCE = "province"
    WATER_BOARD = "water_board"
    INDEPENDENT_BODY = "independent_body"
    OTHER = "other"


class OrganisationStatus(StrEnum):
    MEMBER = "member"
    SUSPENDED = "suspended"
    LEFT = "left"


class GroupKind(StrEnum):
    WORKING_GROUP = "working_group"
    EXPERT_COMMUNITY = "expert_community"
    PROGRAMME_TEAM = "programme_team"
    BOARD = "board"


@dataclass(frozen=True)
class Organisation:
    id: UUID
    name: str
    kind: OrganisationKind
    status: OrganisationStatus
    joined_at: datetime
    changed_at: datetime


@dataclass(frozen=True)
class Group:
    id: UUID
    name: str
    kind: GroupKind
    archived: bool
    changed_at: datetime
