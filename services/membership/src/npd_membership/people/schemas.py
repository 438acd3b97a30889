"""HTTP models of the people API (never the event contracts)."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated
from uuid import UUID

from npd_runtime.validation import Text, described
from pydantic import BaseModel, ConfigDict, EmailStr, Field

from npd_membership.people.domain import Invitation, InvitationStatus, Person, PersonStatus, Role, RoleGrant, Visibility

NetworkRole = Annotated[
    Role,
    described(
        "A role in the network: network_admin (runs the network), org_admin (administers their organisation's "
        "people), board_member (represents the organisation at the monthly board meetings), adviser, member."
    ),
]


class InvitedRole(StrEnum):
    ORG_ADMIN = "org_admin"
    BOARD_MEMBER = "board_member"
    ADVISER = "adviser"
    MEMBER = "member"


InvitationRole = Annotated[
    InvitedRole,
    described("The role the invitee holds in their organisation once they accept (they are a member in any case)."),
]
DirectoryVisibility = Annotated[
    Visibility,
    described(
        "Who finds this person in the directory: everyone in the network, only their own organisation, "
        "or nobody (their organisation's admins and network admins still do)."
    ),
]
Status = Annotated[PersonStatus, described("active, left (the network), or erased (personal data removed).")]
State = Annotated[
    InvitationStatus, described("pending (waiting for the invitee), accepted or withdrawn; see `expired`.")
]
Language = Annotated[str, Field(min_length=2, max_length=8, pattern=r"^[a-z]{2,3}(-[A-Z]{2})?$", examples=["nl", "en"])]


class InvitationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    email: EmailStr = Field(description="Where the invitation is sent; kept by membership, never in events.")
    name: Text = Field(min_length=1, max_length=200, description="The invitee's name as colleagues will see it.")
    role: InvitationRole = InvitedRole.MEMBER


class InvitationPublic(BaseModel):
    id: UUID
    organisation_id: UUID
    email: str
    name: str
    role: NetworkRole
    status: State
    expired: bool
    invited_by: str
    created_at: datetime
    expires_at: datetime
    accepted_by: str | None
    closed_at: datetime | None

    @classmethod
    def of(cls, invitation: Invitation, now: datetime) -> "InvitationPublic":
        expired = invitation.status is InvitationStatus.PENDING and now >= invitation.expires_at
        return cls.model_validate({**invitation.__dict__, "expired": expired})


class InvitationCreated(InvitationPublic):
    code: str = Field(description="What the invitee presents to accept. Shown this once; only its hash is kept.")


class Acceptance(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=8, max_length=100)


class ProfileUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Text = Field(min_length=1, max_length=200)
    language: Language = "nl"
    function_title: Text | None = Field(default=None, max_length=200)
    visibility: DirectoryVisibility = Visibility.NETWORK


class GrantPublic(BaseModel):
    role: NetworkRole
    organisation_id: UUID | None
    granted_at: datetime
    granted_by: str | None

    @classmethod
    def of(cls, grant: RoleGrant) -> "GrantPublic":
        return cls.model_validate(grant, from_attributes=True)


class PersonPublic(BaseModel):
    """A person as they (or their organisation's admins, or network admins) see their record."""

    id: str
    organisation_id: UUID | None
    name: str
    email: str | None
    language: str
    function_title: str | None
    visibility: DirectoryVisibility
    status: Status
    registered_at: datetime
    left_at: datetime | None
    erased_at: datetime | None
    roles: list[GrantPublic]

    @classmethod
    def of(cls, person: Person, grants: tuple[RoleGrant, ...] = ()) -> "PersonPublic":
        return cls.model_validate({**person.__dict__, "roles": [GrantPublic.of(g) for g in grants]})
