"""HTTP models of the groups API (never the event contracts)."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import Path, Query
from npd_runtime.validation import Text, described
from pydantic import BaseModel, ConfigDict, Field

from npd_membership.groups.domain import (
    Details,
    GroupKind,
    GroupRole,
    GroupStatus,
    JoinPolicy,
    MembershipStatus,
)
from npd_membership.groups.queries import GroupView, Member

# What the enums mean to an API client is said here, on the named schema every use refers to.
Kind = Annotated[
    GroupKind,
    described("What sort of group it is: a working group, an expert community, a programme team, or the board."),
]
Joining = Annotated[
    JoinPolicy,
    described("How people join: open (at once) or approval (a chair or network admin approves each request)."),
]
Status = Annotated[GroupStatus, described("Active, or archived (its work is done; nobody is in it any more).")]
Role = Annotated[GroupRole, described("A member's part in the group: chair (manages it) or member.")]
Standing = Annotated[
    MembershipStatus,
    described("Active: in the group. Requested: asked to join a group that needs approval, and waiting."),
]

PersonId = Annotated[
    Text, Path(min_length=1, max_length=255, description="The person: their identity provider's subject.")
]
KindFilter = Annotated[Kind | None, Query(description="Only groups of this kind")]
StatusFilter = Annotated[Status, Query(description="Only groups with this status")]
TopicFilter = Annotated[
    Text | None, Query(min_length=1, max_length=100, description="Only groups on this topic (any capitals)")
]
NameFilter = Annotated[
    Text | None, Query(min_length=1, max_length=100, description="Only groups whose name contains this")
]
StandingFilter = Annotated[
    Standing,
    Query(description="Members (everyone in the network), or pending requests (chairs and network admins only)"),
]


class GroupBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Text = Field(
        min_length=2, max_length=200, examples=["Werkgroep Audit"], description="Unique among active groups."
    )
    topic: Text = Field(min_length=1, max_length=100, examples=["Audit"], description="What the group works on.")
    description: Text = Field(default="", max_length=2000, description="One paragraph; no line breaks.")
    joining: Joining = JoinPolicy.OPEN

    def details(self) -> Details:
        return Details(self.name, self.topic, self.description, self.joining)


class GroupCreate(GroupBody):
    kind: Kind
    chairs: list[Annotated[Text, Field(min_length=1, max_length=255)]] = Field(
        default_factory=list,
        max_length=20,
        description="People (by id) who chair the group from the start: active people of the network.",
    )


class RoleBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role


class MemberPublic(BaseModel):
    person_id: str
    name: str
    organisation_id: UUID | None = Field(description="None for the network's own staff.")
    role: Role
    status: Standing
    requested_at: datetime
    joined_at: datetime | None

    @classmethod
    def of(cls, member: Member) -> "MemberPublic":
        return cls.model_validate(member, from_attributes=True)


class GroupPublic(BaseModel):
    id: UUID
    name: str
    kind: Kind
    topic: str
    description: str
    joining: Joining
    status: Status
    created_at: datetime
    archived_at: datetime | None
    member_count: int = Field(description="Active members, chairs included; pending requests not.")

    @classmethod
    def of(cls, view: GroupView) -> "GroupPublic":
        g = view.group
        return cls(
            id=g.id,
            name=g.name,
            kind=g.kind,
            topic=g.topic,
            description=g.description,
            joining=g.joining,
            status=g.status,
            created_at=g.created_at,
            archived_at=g.archived_at,
            member_count=view.member_count,
        )


class GroupDetail(GroupPublic):
    chairs: list[MemberPublic]

    @classmethod
    def of(cls, view: GroupView) -> "GroupDetail":
        return cls(**GroupPublic.of(view).model_dump(), chairs=[MemberPublic.of(c) for c in view.chairs])
