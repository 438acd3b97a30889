"""Membership use cases: each takes the caller's session, changes state and writes its events to the outbox.
Nothing here commits or publishes; the entrypoint owns the transaction.
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from uuid import UUID, uuid4

import npd_contracts as contracts
from npd_runtime import changed_fields, publish
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from npd_membership import domain
from npd_membership.domain import LeaveReason, Organisation, OrganisationKind, Status
from npd_membership.models import ORGANISATIONS, organisations


class OrganisationNotFound(LookupError):
    def __init__(self, org_id: UUID) -> None:
        super().__init__(f"organisation {org_id} does not exist")


class DuplicateName(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(f"an organisation named {name!r} has already applied or is a member")


def _now() -> datetime:
    return datetime.now(UTC)


def contract_events(change: domain.Change) -> list[contracts.EventData]:
    """The events that announce a change: the only place where the domain meets the contracts."""
    org = change.organisation
    match change:
        case domain.Applied():
            return [
                contracts.OrganisationApplied(
                    organisation_id=org.id,
                    name=org.name,
                    kind=contracts.OrganisationKind(org.kind),
                    applicant_person_id=org.contact_person_id,
                    applied_at=org.applied_at,
                )
            ]
        case domain.Admitted():
            assert org.joined_at is not None
            return [
                contracts.MemberJoined(
                    organisation_id=org.id,
                    name=org.name,
                    kind=contracts.OrganisationKind(org.kind),
                    contact_person_id=org.contact_person_id,
                    joined_at=org.joined_at,
                )
            ]
        case domain.Departed(reason=reason):
            assert org.left_at is not None
            return [
                contracts.MemberLeft(organisation_id=org.id, reason=contracts.LeaveReason(reason), left_at=org.left_at)
            ]


async def apply_for_membership(
    session: AsyncSession, *, name: str, kind: OrganisationKind, contact_person_id: str, contact_email: str
) -> Organisation:
    change = domain.apply(uuid4(), name, kind, contact_person_id, contact_email, _now())
    try:
        async with session.begin_nested():
            await ORGANISATIONS.insert(session, [change.organisation])
    except IntegrityError:
        raise DuplicateName(change.organisation.name) from None
    await publish(session, *contract_events(change))
    return change.organisation


async def get_organisation(session: AsyncSession, org_id: UUID, *, for_update: bool = False) -> Organisation:
    org = await ORGANISATIONS.get(session, org_id, for_update=for_update)
    if org is None:
        raise OrganisationNotFound(org_id)
    return org


async def _record(session: AsyncSession, before: Organisation, change: domain.Change) -> Organisation:
    after = change.organisation
    # The change and its events in one statement (updated_at too: the column's onupdate).
    await ORGANISATIONS.update(session, after, *changed_fields(before, after), events=contract_events(change))
    return after


async def admit_organisation(session: AsyncSession, org_id: UUID) -> Organisation:
    # The row lock orders concurrent changes to one organisation, and so the order of its events.
    org = await get_organisation(session, org_id, for_update=True)
    return await _record(session, org, domain.admit(org, _now()))


async def record_departure(session: AsyncSession, org_id: UUID, reason: LeaveReason) -> Organisation:
    org = await get_organisation(session, org_id, for_update=True)
    return await _record(session, org, domain.leave(org, reason, _now()))


async def list_organisations(
    session: AsyncSession, *, status: Status | None, limit: int, offset: int
) -> tuple[Sequence[Organisation], int]:
    where = [organisations.c.status == status] if status else []
    total = (await session.execute(select(func.count()).select_from(organisations).where(*where))).scalar_one()
    page = ORGANISATIONS.select().where(*where).order_by(organisations.c.name, organisations.c.id)
    return await ORGANISATIONS.all(session, page.limit(limit).offset(offset)), total
