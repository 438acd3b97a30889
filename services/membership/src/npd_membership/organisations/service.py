"""Organisation use cases: each takes the caller's session, changes state, keeps the status history and writes
its events to the outbox. Nothing here commits or publishes; the entrypoint owns the transaction.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID, uuid4

import npd_contracts as contracts
from npd_runtime import changed_fields, publish
from sqlalchemy import ColumnElement, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from npd_membership.models import ORGANISATION_HISTORY, ORGANISATIONS, organisation_history, organisations
from npd_membership.organisations import domain
from npd_membership.organisations.domain import (
    LeaveReason,
    Organisation,
    OrganisationKind,
    PolicyDomain,
    Profile,
    SizeClass,
    Status,
    StatusEntry,
)
from npd_membership.people import service as people


class OrganisationNotFound(LookupError):
    def __init__(self, org_id: UUID) -> None:
        super().__init__(f"organisation {org_id} does not exist")


class DuplicateName(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(f"an organisation named {name!r} has already applied or is a member")


def _now() -> datetime:
    return datetime.now(UTC)


def _domains(org: Organisation) -> list[contracts.PolicyDomain]:
    return [contracts.PolicyDomain(d) for d in org.domains]


def _size(org: Organisation) -> contracts.SizeClass | None:
    return contracts.SizeClass(org.size_class) if org.size_class else None


def contract_events(change: domain.Change) -> list[contracts.EventData]:
    """The events that announce a change: the only place where the organisation domain meets the contracts."""
    org, at = change.organisation, change.organisation.status_changed_at
    kind = contracts.OrganisationKind(org.kind)
    match change:
        case domain.Applied():
            return [
                contracts.OrganisationApplied(
                    organisation_id=org.id,
                    name=org.name,
                    kind=kind,
                    applicant_person_id=org.contact_person_id,
                    applied_at=org.applied_at,
                    domains=_domains(org),
                    size_class=_size(org),
                )
            ]
        case domain.Rejected(reason=reason):
            return [contracts.OrganisationRejected(organisation_id=org.id, reason=reason, rejected_at=at)]
        case domain.Admitted():
            assert org.joined_at is not None
            return [
                contracts.MemberJoined(
                    organisation_id=org.id,
                    name=org.name,
                    kind=kind,
                    contact_person_id=org.contact_person_id,
                    joined_at=org.joined_at,
                    domains=_domains(org),
                    size_class=_size(org),
                )
            ]
        case domain.ProfileChanged():
            return [
                contracts.OrganisationProfileChanged(
                    organisation_id=org.id,
                    name=org.name,
                    kind=kind,
                    domains=_domains(org),
                    size_class=_size(org),
                    changed_at=_now(),
                )
            ]
        case domain.Suspended(reason=reason):
            return [contracts.MemberSuspended(organisation_id=org.id, reason=reason, suspended_at=at)]
        case domain.Reinstated():
            return [contracts.MemberReinstated(organisation_id=org.id, reinstated_at=at)]
        case domain.Departed(reason=reason):
            assert org.left_at is not None
            return [
                contracts.MemberLeft(organisation_id=org.id, reason=contracts.LeaveReason(reason), left_at=org.left_at)
            ]


async def apply_for_membership(
    session: AsyncSession, profile: Profile, *, contact_person_id: str, contact_name: str, contact_email: str
) -> Organisation:
    change = domain.apply(uuid4(), profile, contact_person_id, contact_name, contact_email, _now())
    try:
        async with session.begin_nested():
            await ORGANISATIONS.insert(session, [change.organisation])
    except IntegrityError:
        raise DuplicateName(change.organisation.name) from None
    await ORGANISATION_HISTORY.insert(session, [domain.history_entry(change, contact_person_id)])
    await publish(session, *contract_events(change))
    return change.organisation


async def get_organisation(session: AsyncSession, org_id: UUID, *, for_update: bool = False) -> Organisation:
    org = await ORGANISATIONS.get(session, org_id, for_update=for_update)
    if org is None:
        raise OrganisationNotFound(org_id)
    return org


async def _record(session: AsyncSession, before: Organisation, change: domain.Change, by: str | None) -> Organisation:
    after = change.organisation
    # The change and its events in one statement (updated_at too: the column's onupdate).
    await ORGANISATIONS.update(session, after, *changed_fields(before, after), events=contract_events(change))
    if not isinstance(change, domain.ProfileChanged):
        await ORGANISATION_HISTORY.insert(session, [domain.history_entry(change, by)])
    return after


# Every use case that changes an organisation locks its row first: that orders concurrent changes to one
# organisation, and so the order of its events.


async def admit_organisation(session: AsyncSession, org_id: UUID, *, by: str) -> Organisation:
    """Admit an application; its contact joins the network as the organisation's admin."""
    org = await get_organisation(session, org_id, for_update=True)
    admitted = await _record(session, org, domain.admit(org, _now()), by)
    await people.register_contact(session, admitted, by=by)
    return admitted


async def reject_application(session: AsyncSession, org_id: UUID, reason: str, *, by: str) -> Organisation:
    org = await get_organisation(session, org_id, for_update=True)
    return await _record(session, org, domain.reject(org, reason, _now()), by)


async def suspend_member(session: AsyncSession, org_id: UUID, reason: str, *, by: str) -> Organisation:
    org = await get_organisation(session, org_id, for_update=True)
    return await _record(session, org, domain.suspend(org, reason, _now()), by)


async def reinstate_member(session: AsyncSession, org_id: UUID, *, by: str) -> Organisation:
    org = await get_organisation(session, org_id, for_update=True)
    return await _record(session, org, domain.reinstate(org, _now()), by)


async def record_departure(session: AsyncSession, org_id: UUID, reason: LeaveReason, *, by: str) -> Organisation:
    """The organisation leaves: first its people's roles and group memberships end (each with its event),
    then MemberLeft, so a consumer never sees someone act for an organisation that has gone."""
    org = await get_organisation(session, org_id, for_update=True)
    change = domain.leave(org, reason, _now())
    await people.end_organisation(session, org_id, change.organisation.status_changed_at)
    return await _record(session, org, change, by)


async def change_profile(session: AsyncSession, org_id: UUID, profile: Profile) -> Organisation:
    org = await get_organisation(session, org_id, for_update=True)
    change = domain.change_profile(org, profile)
    if change is None:
        return org
    try:
        async with session.begin_nested():
            return await _record(session, org, change, None)
    except IntegrityError:
        raise DuplicateName(change.organisation.name) from None


async def status_history(session: AsyncSession, org_id: UUID) -> Sequence[StatusEntry]:
    stmt = ORGANISATION_HISTORY.select().where(organisation_history.c.organisation_id == org_id)
    return await ORGANISATION_HISTORY.all(session, stmt.order_by(organisation_history.c.position))


@dataclass(frozen=True)
class Filters:
    statuses: frozenset[Status]
    kind: OrganisationKind | None = None
    domain: PolicyDomain | None = None
    size_class: SizeClass | None = None
    name: str | None = None


def _where(filters: Filters) -> list[ColumnElement[bool]]:
    c = organisations.c
    where: list[ColumnElement[bool]] = [c.status.in_(filters.statuses)]
    if filters.kind:
        where.append(c.kind == filters.kind)
    if filters.domain:
        where.append(c.domains.any_() == filters.domain.value)
    if filters.size_class:
        where.append(c.size_class == filters.size_class)
    if filters.name:
        escaped = filters.name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where.append(c.name.ilike(f"%{escaped}%"))
    return where


async def list_organisations(
    session: AsyncSession, filters: Filters, *, limit: int, offset: int
) -> tuple[Sequence[Organisation], int]:
    where = _where(filters)
    total = (await session.execute(select(func.count()).select_from(organisations).where(*where))).scalar_one()
    page = ORGANISATIONS.select().where(*where).order_by(organisations.c.name, organisations.c.id)
    return await ORGANISATIONS.all(session, page.limit(limit).offset(offset)), total


@dataclass(frozen=True)
class Year:
    year: int
    joined: int
    left: int
    members_at_end: int


# A reinstatement records `member` again: only an organisation's first `member` is a join.
_GROWTH = text(
    """
    WITH joins AS (
        SELECT DISTINCT ON (organisation_id) at FROM organisation_history
        WHERE status = 'member' ORDER BY organisation_id, position
    )
    SELECT extract(year FROM at)::int AS year, 'joined' AS what, count(*) FROM joins GROUP BY 1
    UNION ALL
    SELECT extract(year FROM at)::int, 'left', count(*) FROM organisation_history WHERE status = 'left' GROUP BY 1
    """
)


async def growth(session: AsyncSession) -> list[Year]:
    """Joins and departures per year from the status history, and the members at each year's end."""
    per_year: dict[int, dict[str, int]] = {}
    for year, what, n in await session.execute(_GROWTH):
        per_year.setdefault(int(year), {})[str(what)] = int(n)
    years, members = [], 0
    for year in range(min(per_year, default=0), max(per_year, default=-1) + 1):
        joined, left = per_year.get(year, {}).get("joined", 0), per_year.get(year, {}).get("left", 0)
        members += joined - left
        years.append(Year(year, joined, left, members))
    return years
