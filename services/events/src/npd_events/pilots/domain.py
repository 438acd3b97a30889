"""Pilots, free of I/O and of the event contracts.

A member organisation registers a pilot: the problem, the approach, its status and results, documents as
links, its trojka (the owner organisation, an executive organisation, and a supplier or umbrella body, which
may be an outside name) and its stakeholders with their role. The owner's admins (and whoever registered it,
and network admins) change it. Each member organisation declares how far it has adopted it (intends, started,
in use): only that organisation's own admins set or withdraw this, and every change is kept as history. The
spread counts current member organisations per status against how many members the network has now.
"""

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from npd_events.reports.domain import Attachment, check_link


class PilotStatus(StrEnum):
    PREPARING = "preparing"
    RUNNING = "running"
    EVALUATING = "evaluating"
    PROVEN = "proven"
    STOPPED = "stopped"


class AdoptionStatus(StrEnum):
    INTENDS = "intends"
    STARTED = "started"
    IN_USE = "in_use"


@dataclass(frozen=True)
class Stakeholder:
    name: str
    role: str
    organisation_id: UUID | None


@dataclass(frozen=True)
class Trojka:
    owner_organisation_id: UUID
    executive_organisation_id: UUID | None
    supplier_name: str  # a supplier or umbrella body, possibly outside the network
    supplier_organisation_id: UUID | None


@dataclass(frozen=True)
class Plan:
    """What the registrant writes."""

    title: str
    problem: str
    approach: str
    status: PilotStatus
    results: str
    documents: tuple[Attachment, ...]
    executive_organisation_id: UUID | None
    supplier_name: str
    supplier_organisation_id: UUID | None
    stakeholders: tuple[Stakeholder, ...]


@dataclass(frozen=True)
class Pilot:
    id: UUID
    title: str
    problem: str
    approach: str
    status: PilotStatus
    results: str
    documents: tuple[Attachment, ...]
    owner_organisation_id: UUID
    executive_organisation_id: UUID | None
    supplier_name: str
    supplier_organisation_id: UUID | None
    stakeholders: tuple[Stakeholder, ...]
    registered_by: str | None  # None once erased
    registered_at: datetime
    updated_at: datetime

    @property
    def plan(self) -> Plan:
        return Plan(
            self.title,
            self.problem,
            self.approach,
            self.status,
            self.results,
            self.documents,
            self.executive_organisation_id,
            self.supplier_name,
            self.supplier_organisation_id,
            self.stakeholders,
        )


@dataclass(frozen=True)
class Adoption:
    pilot_id: UUID
    organisation_id: UUID
    status: AdoptionStatus
    set_by: str | None
    changed_at: datetime


@dataclass(frozen=True)
class AdoptionChange:
    """One line of an organisation's adoption history (status None: it withdrew its declaration)."""

    id: UUID
    pilot_id: UUID
    organisation_id: UUID
    status: AdoptionStatus | None
    previous_status: AdoptionStatus | None
    set_by: str | None
    changed_at: datetime


@dataclass(frozen=True)
class Spread:
    members: int
    intends: int
    started: int
    in_use: int


class NoSupplier(ValueError):
    def __init__(self) -> None:
        super().__init__("a pilot's trojka names its supplier or umbrella body (supplier_name)")


def _clean(plan: Plan) -> Plan:
    if not plan.supplier_name.strip():
        raise NoSupplier()
    documents = tuple(Attachment(" ".join(d.title.split()), check_link(d.url.strip())) for d in plan.documents)
    stakeholders = tuple(
        Stakeholder(" ".join(s.name.split()), " ".join(s.role.split()), s.organisation_id) for s in plan.stakeholders
    )
    return replace(
        plan,
        title=" ".join(plan.title.split()),
        problem=plan.problem.strip(),
        approach=plan.approach.strip(),
        results=plan.results.strip(),
        supplier_name=" ".join(plan.supplier_name.split()),
        documents=documents,
        stakeholders=tuple(dict.fromkeys(stakeholders)),
    )


def register(id: UUID, plan: Plan, owner_organisation_id: UUID, by: str, now: datetime) -> Pilot:
    plan = _clean(plan)
    return Pilot(
        id,
        **vars(plan),
        owner_organisation_id=owner_organisation_id,
        registered_by=by,
        registered_at=now,
        updated_at=now,
    )


def change(pilot: Pilot, plan: Plan, now: datetime) -> tuple[Pilot, list[str]] | None:
    """The pilot as changed and the names of the changed fields; None when nothing changed."""
    plan = _clean(plan)
    before = vars(pilot.plan)
    changed = [name for name, value in vars(plan).items() if before[name] != value]
    if not changed:
        return None
    return replace(pilot, **vars(plan), updated_at=now), changed


def adopt(
    change_id: UUID,
    pilot_id: UUID,
    organisation_id: UUID,
    current: Adoption | None,
    status: AdoptionStatus | None,
    by: str,
    now: datetime,
) -> tuple[Adoption | None, AdoptionChange] | None:
    """The adoption as it now stands (None: withdrawn) and its history line; None when nothing changes."""
    previous = current.status if current else None
    if previous == status:
        return None
    history = AdoptionChange(change_id, pilot_id, organisation_id, status, previous, by, now)
    adoption = None if status is None else Adoption(pilot_id, organisation_id, status, by, now)
    return adoption, history


def spread(members: int, counts: dict[AdoptionStatus, int]) -> Spread:
    return Spread(
        members,
        counts.get(AdoptionStatus.INTENDS, 0),
        counts.get(AdoptionStatus.STARTED, 0),
        counts.get(AdoptionStatus.IN_USE, 0),
    )
