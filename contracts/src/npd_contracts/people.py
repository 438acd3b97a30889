"""Person events published by the membership service (topic npd.membership.person, keyed by person id).

A person's id is the subject (`sub`) of their access token. Events carry ids, the display name where a
consumer shows people to each other, and nothing else personal: never an e-mail address. Roles and group
memberships are on this topic too, so every change to what one person may do arrives in order.
"""

from datetime import datetime
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from npd_contracts.base import EventData
from npd_contracts.topics import MEMBERSHIP_PERSON, Topic


class Role(StrEnum):
    """The network's roles; all but network_admin hold within the person's own organisation."""

    NETWORK_ADMIN = "network_admin"
    ORG_ADMIN = "org_admin"
    BOARD_MEMBER = "board_member"
    ADVISER = "adviser"
    MEMBER = "member"


class RoleEndReason(StrEnum):
    REVOKED = "revoked"
    ORGANISATION_LEFT = "organisation_left"
    PERSON_LEFT = "person_left"
    ERASED = "erased"


class GroupRole(StrEnum):
    CHAIR = "chair"
    MEMBER = "member"


class GroupLeaveReason(StrEnum):
    LEFT = "left"
    REMOVED = "removed"
    ORGANISATION_LEFT = "organisation_left"
    PERSON_LEFT = "person_left"
    GROUP_ARCHIVED = "group_archived"
    ERASED = "erased"


class _PersonEvent(EventData):
    TOPIC: ClassVar[Topic] = MEMBERSHIP_PERSON
    SUBJECT_FIELD: ClassVar[str] = "person_id"

    person_id: str = Field(max_length=255, description="The person (their token's subject); the Kafka key.")


class PersonRegistered(_PersonEvent):
    """A person joined the network through their organisation (or as network staff, without one)."""

    TYPE: ClassVar[str] = "nl.npd.membership.person-registered.v1"

    organisation_id: UUID | None = Field(description="Their organisation; none for the network's own staff.")
    name: str = Field(max_length=200, description="Display name, as other members see it.")
    language: str = Field(max_length=8, description="Preferred language (BCP 47, e.g. nl or en).")
    registered_at: datetime


class PersonProfileChanged(_PersonEvent):
    """A person changed their display name or language."""

    TYPE: ClassVar[str] = "nl.npd.membership.person-profile-changed.v1"

    name: str = Field(max_length=200)
    language: str = Field(max_length=8)
    changed_at: datetime


class PersonRoleGranted(_PersonEvent):
    """A person holds a role from now on."""

    TYPE: ClassVar[str] = "nl.npd.membership.person-role-granted.v1"

    role: Role
    organisation_id: UUID | None = Field(description="Where the role holds; none for network_admin.")
    granted_at: datetime


class PersonRoleRevoked(_PersonEvent):
    """A person no longer holds a role."""

    TYPE: ClassVar[str] = "nl.npd.membership.person-role-revoked.v1"

    role: Role
    organisation_id: UUID | None
    reason: RoleEndReason
    revoked_at: datetime


class PersonLeft(_PersonEvent):
    """A person left the network (their roles and groups ended just before, each with its own event)."""

    TYPE: ClassVar[str] = "nl.npd.membership.person-left.v1"

    organisation_id: UUID | None
    left_at: datetime


class PersonErased(_PersonEvent):
    """A person's personal data was erased (GDPR art. 17): every service removes or anonymises what it holds
    about them; history stays, without them. The id stays only as a meaningless key."""

    TYPE: ClassVar[str] = "nl.npd.membership.person-erased.v1"

    erased_at: datetime


class PersonJoinedGroup(_PersonEvent):
    """A person became a member (or chair) of a group."""

    TYPE: ClassVar[str] = "nl.npd.membership.person-joined-group.v1"

    group_id: UUID
    role: GroupRole
    joined_at: datetime


class PersonGroupRoleChanged(_PersonEvent):
    """A group member became a chair, or a chair stepped back to member."""

    TYPE: ClassVar[str] = "nl.npd.membership.person-group-role-changed.v1"

    group_id: UUID
    role: GroupRole
    changed_at: datetime


class PersonLeftGroup(_PersonEvent):
    """A person is no longer in a group."""

    TYPE: ClassVar[str] = "nl.npd.membership.person-left-group.v1"

    group_id: UUID
    reason: GroupLeaveReason
    left_at: datetime
