"""Pilot use cases: register and change a pilot, follow it, declare adoption per organisation, and read its
spread. Changes lock the pilot's row, so its events leave in order; nothing here commits.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID, uuid4

from npd_contracts import pilots as contracts
from npd_runtime import Principal, Role, publish
from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from npd_events.models import (
    ADOPTION_HISTORY,
    ADOPTIONS,
    ORGANISATIONS,
    PILOTS,
    organisations,
    pilot_adoption_history,
    pilot_adoptions,
    pilot_follows,
    pilots,
)
from npd_events.network.domain import OrganisationStatus
from npd_events.pilots import domain
from npd_events.pilots.domain import Adoption, AdoptionChange, AdoptionStatus, Pilot, PilotStatus, Plan, Spread


class PilotNotFound(LookupError):
    def __init__(self, pilot_id: UUID) -> None:
        super().__init__(f"pilot {pilot_id} does not exist")


class UnknownOrganisation(LookupError):
    def __init__(self, organisation_id: UUID) -> None:
        super().__init__(f"organisation {organisation_id} is not a member of the network")


class NotTheOwner(PermissionError):
    def __init__(self, what: str) -> None:
        super().__init__(f"only admins of the owner organisation, whoever registered it and network admins {what}")


class NotTheOrganisationsAdmin(PermissionError):
    def __init__(self, organisation_id: UUID) -> None:
        super().__init__(f"only admins of organisation {organisation_id} declare its adoption of a pilot")


@dataclass(frozen=True)
class PilotView:
    pilot: Pilot
    spread: Spread
    following: bool
    names: dict[UUID, str]


@dataclass(frozen=True)
class AdoptionView:
    adoption: Adoption
    organisation_name: str


def _now() -> datetime:
    return datetime.now(UTC)


async def _member(session: AsyncSession, organisation_id: UUID) -> None:
    org = await ORGANISATIONS.get(session, organisation_id)
    if org is None or org.status is not OrganisationStatus.MEMBER:
        raise UnknownOrganisation(organisation_id)


async def _known(session: AsyncSession, plan: Plan) -> None:
    ids = {plan.executive_organisation_id, plan.supplier_organisation_id}
    ids |= {s.organisation_id for s in plan.stakeholders}
    for organisation_id in sorted(i for i in ids if i is not None):
        if await ORGANISATIONS.get(session, organisation_id) is None:
            raise UnknownOrganisation(organisation_id)


async def register(session: AsyncSession, plan: Plan, owner: UUID | None, *, by: Principal) -> Pilot:
    owner_id = owner if owner is not None else by.org_id
    if owner_id is None or not by.administers(owner_id):
        raise NotTheOwner("register its pilots")
    await _member(session, owner_id)
    pilot = domain.register(uuid4(), plan, owner_id, by.person_id, _now())
    await _known(session, pilot.plan)
    event = contracts.PilotRegistered(
        pilot_id=pilot.id,
        title=pilot.title,
        status=contracts.PilotStatus(pilot.status.value),
        owner_organisation_id=owner_id,
        registered_by=by.person_id,
        registered_at=pilot.registered_at,
    )
    await PILOTS.insert(session, [pilot], events=[event])
    return pilot


async def _pilot(session: AsyncSession, pilot_id: UUID, *, for_update: bool = False) -> Pilot:
    pilot = await PILOTS.get(session, pilot_id, for_update=for_update)
    if pilot is None:
        raise PilotNotFound(pilot_id)
    return pilot


async def change(session: AsyncSession, pilot_id: UUID, plan: Plan, *, by: Principal) -> Pilot:
    pilot = await _pilot(session, pilot_id, for_update=True)
    if not (by.administers(pilot.owner_organisation_id) or by.person_id == pilot.registered_by):
        raise NotTheOwner("change it")
    changed = domain.change(pilot, plan, _now())
    if changed is None:
        return pilot
    new, fields = changed
    await _known(session, new.plan)
    event = contracts.PilotUpdated(
        pilot_id=new.id,
        title=new.title,
        status=contracts.PilotStatus(new.status.value),
        previous_status=contracts.PilotStatus(pilot.status.value),
        results_changed="results" in fields,
        changed=fields,
        updated_at=new.updated_at,
    )
    await PILOTS.update(session, new, *fields, "updated_at", events=[event])
    return new


async def follow(session: AsyncSession, pilot_id: UUID, *, by: Principal, following: bool) -> None:
    """Follow (or stop following) a pilot; the same again changes nothing and says nothing."""
    await _pilot(session, pilot_id, for_update=True)
    now = _now()
    if following:
        stmt = insert(pilot_follows).values(pilot_id=pilot_id, person_id=by.person_id, followed_at=now)
        added = await session.execute(stmt.on_conflict_do_nothing().returning(pilot_follows.c.person_id))
        if added.first() is not None:
            event = contracts.PilotFollowed(pilot_id=pilot_id, person_id=by.person_id, followed_at=now)
            await publish(session, event)
        return
    mine = (pilot_follows.c.pilot_id == pilot_id) & (pilot_follows.c.person_id == by.person_id)
    removed = await session.execute(delete(pilot_follows).where(mine).returning(pilot_follows.c.person_id))
    if removed.first() is not None:
        gone = contracts.PilotUnfollowed(pilot_id=pilot_id, person_id=by.person_id, unfollowed_at=now)
        await publish(session, gone)


async def adopt(
    session: AsyncSession, pilot_id: UUID, organisation_id: UUID, status: AdoptionStatus | None, *, by: Principal
) -> Adoption | None:
    """Declare, change or (status None) withdraw an organisation's adoption: its own admins only."""
    if not (by.has(Role.ORG_ADMIN) and by.org_id == organisation_id):
        raise NotTheOrganisationsAdmin(organisation_id)
    pilot = await _pilot(session, pilot_id, for_update=True)
    await _member(session, organisation_id)
    current = await ADOPTIONS.get(session, (pilot_id, organisation_id))
    result = domain.adopt(uuid4(), pilot_id, organisation_id, current, status, by.person_id, _now())
    if result is None:
        return current
    adoption, history = result
    event = contracts.PilotAdoptionChanged(
        pilot_id=pilot_id,
        organisation_id=organisation_id,
        status=contracts.AdoptionStatus(status.value) if status else None,
        previous_status=contracts.AdoptionStatus(history.previous_status.value) if history.previous_status else None,
        changed_at=history.changed_at,
    )
    await ADOPTION_HISTORY.insert(session, [history], events=[event])
    if adoption is None:
        ours = (pilot_adoptions.c.pilot_id == pilot.id) & (pilot_adoptions.c.organisation_id == organisation_id)
        await session.execute(delete(pilot_adoptions).where(ours))
    elif current is None:
        await ADOPTIONS.insert(session, [adoption])
    else:
        await ADOPTIONS.update(session, adoption, "status", "set_by", "changed_at")
    return adoption


async def spreads(session: AsyncSession, pilot_ids: Sequence[UUID]) -> dict[UUID, Spread]:
    """Each pilot's adoption per status among current member organisations, against how many there are."""
    members = await session.scalar(
        select(func.count()).select_from(organisations).where(organisations.c.status == OrganisationStatus.MEMBER.value)
    )
    current = organisations.c.status == OrganisationStatus.MEMBER.value
    stmt = (
        select(pilot_adoptions.c.pilot_id, pilot_adoptions.c.status, func.count())
        .join(organisations, organisations.c.id == pilot_adoptions.c.organisation_id)
        .where(pilot_adoptions.c.pilot_id.in_(pilot_ids), current)
        .group_by(pilot_adoptions.c.pilot_id, pilot_adoptions.c.status)
    )
    counts: dict[UUID, dict[AdoptionStatus, int]] = {i: {} for i in pilot_ids}
    for pilot_id, status, n in await session.execute(stmt):
        counts[pilot_id][AdoptionStatus(status)] = n
    return {i: domain.spread(members or 0, c) for i, c in counts.items()}


async def _names(session: AsyncSession, ids: set[UUID]) -> dict[UUID, str]:
    if not ids:
        return {}
    rows = await session.execute(select(organisations.c.id, organisations.c.name).where(organisations.c.id.in_(ids)))
    return {row[0]: row[1] for row in rows}


def _orgs(p: Pilot) -> set[UUID]:
    ids = {p.owner_organisation_id, p.executive_organisation_id, p.supplier_organisation_id}
    ids |= {s.organisation_id for s in p.stakeholders}
    return {i for i in ids if i is not None}


async def _views(session: AsyncSession, found: Sequence[Pilot], person_id: str) -> list[PilotView]:
    ids = [p.id for p in found]
    spread = await spreads(session, ids)
    mine = pilot_follows.c.person_id == person_id
    followed = set(
        await session.scalars(select(pilot_follows.c.pilot_id).where(mine, pilot_follows.c.pilot_id.in_(ids)))
    )
    names = await _names(session, set().union(*(_orgs(p) for p in found)) if found else set())
    return [PilotView(p, spread[p.id], p.id in followed, names) for p in found]


async def get(session: AsyncSession, pilot_id: UUID, person_id: str) -> PilotView:
    [view] = await _views(session, [await _pilot(session, pilot_id)], person_id)
    return view


async def list_pilots(
    session: AsyncSession,
    person_id: str,
    *,
    status: PilotStatus | None,
    owner: UUID | None,
    followed: bool,
    limit: int,
    offset: int,
) -> tuple[list[PilotView], int]:
    where = []
    if status is not None:
        where.append(pilots.c.status == status.value)
    if owner is not None:
        where.append(pilots.c.owner_organisation_id == owner)
    if followed:
        mine = select(pilot_follows.c.pilot_id).where(pilot_follows.c.person_id == person_id)
        where.append(pilots.c.id.in_(mine))
    stmt = PILOTS.select().where(*where).order_by(pilots.c.registered_at.desc(), pilots.c.id).limit(limit)
    found = await PILOTS.all(session, stmt.offset(offset))
    total = await session.scalar(select(func.count()).select_from(pilots).where(*where))
    return await _views(session, found, person_id), total or 0


async def adoptions(session: AsyncSession, pilot_id: UUID) -> tuple[list[AdoptionView], Spread]:
    """The current declarations of member organisations, furthest first, with the spread."""
    await _pilot(session, pilot_id)
    current = organisations.c.status == OrganisationStatus.MEMBER.value
    stmt = (
        select(*(pilot_adoptions.c[f] for f in ADOPTIONS.fields), organisations.c.name)
        .join(organisations, organisations.c.id == pilot_adoptions.c.organisation_id)
        .where(pilot_adoptions.c.pilot_id == pilot_id, current)
        .order_by(organisations.c.name)
    )
    rows = (await session.execute(stmt)).all()
    views = [AdoptionView(ADOPTIONS.load(row), row.name) for row in rows]
    return views, (await spreads(session, [pilot_id]))[pilot_id]


async def history(
    session: AsyncSession, pilot_id: UUID, *, limit: int, offset: int
) -> tuple[list[AdoptionChange], int]:
    await _pilot(session, pilot_id)
    where = pilot_adoption_history.c.pilot_id == pilot_id
    order = (pilot_adoption_history.c.changed_at, pilot_adoption_history.c.id)
    found = await ADOPTION_HISTORY.all(
        session, ADOPTION_HISTORY.select().where(where).order_by(*order).limit(limit).offset(offset)
    )
    total = await session.scalar(select(func.count()).select_from(pilot_adoption_history).where(where))
    return found, total or 0


async def erase(session: AsyncSession, person_ids: Sequence[str], now: datetime) -> None:
    """PersonErased: their follows go; pilots and adoptions stay (the organisations'), without their name."""
    await session.execute(delete(pilot_follows).where(pilot_follows.c.person_id.in_(person_ids)))
    await session.execute(pilots.update().where(pilots.c.registered_by.in_(person_ids)).values(registered_by=None))
    gone = pilot_adoptions.c.set_by.in_(person_ids)
    await session.execute(pilot_adoptions.update().where(gone).values(set_by=None))
    was = pilot_adoption_history.c.set_by.in_(person_ids)
    await session.execute(pilot_adoption_history.update().where(was).values(set_by=None))
