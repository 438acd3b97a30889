"""Mobility use cases: publish, close and expire opportunities; express, withdraw and answer interest. Each takes
the caller's session, locks the opportunity it changes and writes its events to the outbox; nothing here
commits. Events say which opportunity and which organisation, never whose interest it is.
"""

from datetime import UTC, datetime
from uuid import UUID, uuid4

from npd_contracts import mobility as contracts
from npd_runtime import Principal, Role
from sqlalchemy import and_, delete, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from npd_membership.mobility import domain
from npd_membership.mobility.domain import CloseReason, Interest, Listing, Opportunity, OpportunityStatus
from npd_membership.models import INTERESTS, OPPORTUNITIES, opportunities, opportunity_interests, organisations, people
from npd_membership.organisations.domain import Status


class OpportunityNotFound(LookupError):
    def __init__(self, opportunity_id: UUID) -> None:
        super().__init__(f"opportunity {opportunity_id} does not exist")


class InterestNotFound(LookupError):
    def __init__(self, opportunity_id: UUID, what: str) -> None:
        super().__init__(f"{what} for opportunity {opportunity_id} does not exist")


class NotOffering(PermissionError):
    def __init__(self, opportunity: Opportunity) -> None:
        super().__init__(
            f"only the admins of organisation {opportunity.organisation_id} or the opportunity's contact can do this"
        )


class NotAMember(Exception):
    def __init__(self, organisation_id: UUID) -> None:
        super().__init__(f"organisation {organisation_id} is not a member of the network: it cannot offer anything")


class ContactNotInOrganisation(Exception):
    def __init__(self, person_id: str, organisation_id: UUID) -> None:
        super().__init__(f"the contact {person_id!r} is not an active person of organisation {organisation_id}")


def _now() -> datetime:
    return datetime.now(UTC)


def offers(opportunity: Opportunity, by: Principal) -> bool:
    """The offering organisation's admins and the named contact: the only ones who see who is interested
    (network admins are not the offering organisation, so they do not)."""
    own_admin = Role.ORG_ADMIN in by.roles and by.org_id == opportunity.organisation_id
    return own_admin or (opportunity.contact_person_id is not None and by.person_id == opportunity.contact_person_id)


async def get_opportunity(session: AsyncSession, opportunity_id: UUID, *, for_update: bool = False) -> Opportunity:
    found = await OPPORTUNITIES.get(session, opportunity_id, for_update=for_update)
    if found is None:
        raise OpportunityNotFound(opportunity_id)
    return found


def _closed(o: Opportunity) -> contracts.OpportunityClosed:
    assert o.closed_at is not None and o.close_reason is not None
    reason = contracts.OpportunityCloseReason(o.close_reason.value)
    return contracts.OpportunityClosed(
        opportunity_id=o.id, organisation_id=o.organisation_id, reason=reason, closed_at=o.closed_at
    )


async def publish(session: AsyncSession, organisation_id: UUID, listing: Listing, *, by: Principal) -> Opportunity:
    status = await session.scalar(select(organisations.c.status).where(organisations.c.id == organisation_id))
    if status != Status.MEMBER:
        raise NotAMember(organisation_id)
    if listing.contact_person_id is not None:
        where = and_(
            people.c.id == listing.contact_person_id,
            people.c.organisation_id == organisation_id,
            people.c.status == "active",
        )
        if not await session.scalar(select(exists().where(where))):
            raise ContactNotInOrganisation(listing.contact_person_id, organisation_id)
    change = domain.publish(uuid4(), organisation_id, listing, by.person_id, _now())
    o = change.opportunity
    event = contracts.OpportunityPublished(
        opportunity_id=o.id,
        organisation_id=o.organisation_id,
        kind=contracts.OpportunityKind(o.kind.value),
        title=o.title,
        expires_at=o.expires_at,
        published_at=o.published_at,
    )
    await OPPORTUNITIES.insert(session, [o], events=[event])
    return o


async def close(session: AsyncSession, opportunity_id: UUID, *, by: Principal) -> Opportunity:
    opportunity = await get_opportunity(session, opportunity_id, for_update=True)
    if not (offers(opportunity, by) or by.is_network_admin):
        raise NotOffering(opportunity)
    change = domain.close(opportunity, CloseReason.CLOSED, _now())
    await OPPORTUNITIES.update(
        session, change.opportunity, "status", "closed_at", "close_reason", events=[_closed(change.opportunity)]
    )
    return change.opportunity


async def expire_due(session: AsyncSession, now: datetime) -> int:
    """Open opportunities past their expiry close (OpportunityClosed, expired). Interest is refused from the
    expiry on whether or not this has run; this tells the network. Locked rows are skipped: one replica each."""
    due = (
        OPPORTUNITIES.select()
        .where(opportunities.c.status == OpportunityStatus.OPEN, opportunities.c.expires_at <= now)
        .with_for_update(skip_locked=True)
        .limit(500)
    )
    expired = 0
    for opportunity in await OPPORTUNITIES.all(session, due):
        change = domain.close(opportunity, CloseReason.EXPIRED, now)
        await OPPORTUNITIES.update(
            session, change.opportunity, "status", "closed_at", "close_reason", events=[_closed(change.opportunity)]
        )
        expired += 1
    return expired


async def interest_of(session: AsyncSession, opportunity_id: UUID, person_id: str) -> Interest | None:
    where = and_(
        opportunity_interests.c.opportunity_id == opportunity_id, opportunity_interests.c.person_id == person_id
    )
    found = await INTERESTS.all(session, INTERESTS.select().where(where))
    return found[0] if found else None


async def express(session: AsyncSession, opportunity_id: UUID, note: str, share: bool, *, by: Principal) -> Interest:
    opportunity = await get_opportunity(session, opportunity_id, for_update=True)
    existing = await interest_of(session, opportunity_id, by.person_id)
    change = domain.express(opportunity, existing, uuid4(), by.person_id, note, share, _now())
    i = change.interest
    event = contracts.InterestExpressed(
        opportunity_id=opportunity.id,
        interest_id=i.id,
        organisation_id=opportunity.organisation_id,
        contact_person_id=opportunity.contact_person_id,
        expressed_at=i.expressed_at,
    )
    await INTERESTS.insert(session, [i], events=[event])
    return i


async def withdraw(session: AsyncSession, opportunity_id: UUID, *, by: Principal) -> None:
    """The person takes their interest back: it is gone, note and all (no event: nobody need hear of it)."""
    await get_opportunity(session, opportunity_id, for_update=True)
    where = and_(
        opportunity_interests.c.opportunity_id == opportunity_id, opportunity_interests.c.person_id == by.person_id
    )
    gone = await session.execute(delete(opportunity_interests).where(where).returning(opportunity_interests.c.id))
    if gone.first() is None:
        raise InterestNotFound(opportunity_id, "your interest")


async def answer(
    session: AsyncSession,
    opportunity_id: UUID,
    interest_id: UUID,
    choice: domain.Answer,
    message: str,
    *,
    by: Principal,
) -> Interest:
    opportunity = await get_opportunity(session, opportunity_id, for_update=True)
    if not offers(opportunity, by):
        raise NotOffering(opportunity)
    interest = await INTERESTS.get(session, interest_id, for_update=True)
    if interest is None or interest.opportunity_id != opportunity_id:
        raise InterestNotFound(opportunity_id, f"interest {interest_id}")
    change = domain.answer(interest, choice, message, _now())
    await INTERESTS.update(session, change.interest, "status", "answered_at", "answer_message")
    return change.interest


async def erase_person(session: AsyncSession, person_id: str) -> None:
    """PersonErased, within membership: their interests (notes included) are deleted; listings they made or are
    the contact of stay, without them."""
    await session.execute(delete(opportunity_interests).where(opportunity_interests.c.person_id == person_id))
    await session.execute(
        update(opportunities).where(opportunities.c.contact_person_id == person_id).values(contact_person_id=None)
    )
    await session.execute(update(opportunities).where(opportunities.c.created_by == person_id).values(created_by=None))
