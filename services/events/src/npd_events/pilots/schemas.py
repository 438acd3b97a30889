"""HTTP models of the pilots API (never the event contracts)."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import Query
from npd_runtime.validation import Text, described
from pydantic import BaseModel, ConfigDict, Field

from npd_events.papers.schemas import Prose
from npd_events.pilots.domain import AdoptionChange, AdoptionStatus, PilotStatus, Plan, Spread, Stakeholder
from npd_events.pilots.service import AdoptionView, PilotView
from npd_events.reports.domain import Attachment
from npd_events.reports.schemas import AttachmentBody, AttachmentPublic

Status = Annotated[
    PilotStatus,
    described("Where a pilot stands: preparing, running, evaluating, proven (ready to spread) or stopped."),
]
Adopted = Annotated[
    AdoptionStatus,
    described("How far an organisation has taken a pilot up: intends (declared intent), started, in_use."),
]
StatusFilter = Annotated[Status | None, Query(description="Only pilots with this status")]
OwnerFilter = Annotated[UUID | None, Query(description="Only pilots of this owner organisation")]
FollowedFilter = Annotated[bool, Query(description="Only pilots the caller follows")]


class StakeholderBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Text = Field(min_length=1, max_length=200, examples=["VNG Realisatie"])
    role: Text = Field(min_length=1, max_length=100, examples=["financier"])
    organisation_id: UUID | None = Field(default=None, description="When it is a member organisation.")


class PilotBody(BaseModel):
    # Not stripped here: the domain tidies whitespace, and a schema-valid body is never refused for it.
    model_config = ConfigDict(extra="forbid")

    title: Text = Field(min_length=2, max_length=200, examples=["Proactieve dienstverlening schuldhulp"])
    problem: Prose = Field(min_length=1, max_length=20000)
    approach: Prose = Field(min_length=1, max_length=20000)
    status: Status = PilotStatus.PREPARING
    results: Prose = Field(default="", max_length=20000)
    documents: list[AttachmentBody] = Field(default_factory=list, max_length=20, description="Links, https only.")
    owner_organisation_id: UUID | None = Field(
        default=None, description="The owner: the caller's organisation unless a network admin names another."
    )
    executive_organisation_id: UUID | None = Field(default=None, description="The trojka's executive organisation.")
    supplier_name: Text = Field(min_length=1, max_length=200, description="The trojka's supplier or umbrella body.")
    supplier_organisation_id: UUID | None = Field(default=None, description="When the supplier is a member.")
    stakeholders: list[StakeholderBody] = Field(default_factory=list, max_length=50)

    def plan(self) -> Plan:
        return Plan(
            self.title,
            self.problem,
            self.approach,
            self.status,
            self.results,
            tuple(Attachment(d.title, d.url) for d in self.documents),
            self.executive_organisation_id,
            self.supplier_name,
            self.supplier_organisation_id,
            tuple(Stakeholder(s.name, s.role, s.organisation_id) for s in self.stakeholders),
        )


class SpreadPublic(BaseModel):
    """How far a pilot has spread among the current member organisations."""

    members: int = Field(description="Member organisations now.")
    intends: int
    started: int
    in_use: int

    @classmethod
    def of(cls, s: Spread) -> "SpreadPublic":
        return cls(members=s.members, intends=s.intends, started=s.started, in_use=s.in_use)


class OrganisationRef(BaseModel):
    id: UUID
    name: str | None


class StakeholderPublic(BaseModel):
    name: str
    role: str
    organisation_id: UUID | None


class PilotPublic(BaseModel):
    id: UUID
    title: str
    problem: str
    approach: str
    status: Status
    results: str
    documents: list[AttachmentPublic]
    owner: OrganisationRef
    executive: OrganisationRef | None
    supplier_name: str
    supplier_organisation_id: UUID | None
    stakeholders: list[StakeholderPublic]
    spread: SpreadPublic
    following: bool = Field(description="Whether the caller follows it.")
    registered_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, view: PilotView) -> "PilotPublic":
        p, names = view.pilot, view.names
        executive = p.executive_organisation_id
        return cls(
            id=p.id,
            title=p.title,
            problem=p.problem,
            approach=p.approach,
            status=p.status,
            results=p.results,
            documents=[AttachmentPublic(title=d.title, url=d.url) for d in p.documents],
            owner=OrganisationRef(id=p.owner_organisation_id, name=names.get(p.owner_organisation_id)),
            executive=OrganisationRef(id=executive, name=names.get(executive)) if executive else None,
            supplier_name=p.supplier_name,
            supplier_organisation_id=p.supplier_organisation_id,
            stakeholders=[
                StakeholderPublic(name=s.name, role=s.role, organisation_id=s.organisation_id) for s in p.stakeholders
            ],
            spread=SpreadPublic.of(view.spread),
            following=view.following,
            registered_at=p.registered_at,
            updated_at=p.updated_at,
        )


class AdoptionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Adopted


class AdoptionPublic(BaseModel):
    organisation_id: UUID
    organisation_name: str
    status: Adopted
    changed_at: datetime

    @classmethod
    def of(cls, view: AdoptionView) -> "AdoptionPublic":
        a = view.adoption
        return cls(
            organisation_id=a.organisation_id,
            organisation_name=view.organisation_name,
            status=a.status,
            changed_at=a.changed_at,
        )


class Adoptions(BaseModel):
    spread: SpreadPublic
    items: list[AdoptionPublic]


class AdoptionChangePublic(BaseModel):
    organisation_id: UUID
    status: Adopted | None = Field(description="None: the organisation withdrew its declaration.")
    previous_status: Adopted | None
    changed_at: datetime

    @classmethod
    def of(cls, c: AdoptionChange) -> "AdoptionChangePublic":
        return cls(
            organisation_id=c.organisation_id,
            status=c.status,
            previous_status=c.previous_status,
            changed_at=c.changed_at,
        )
