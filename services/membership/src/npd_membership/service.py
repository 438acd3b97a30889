"""Membership use cases: each takes the caller's session, changes state and writes its events to the outbox.
Nothing here commits or publishes; the entrypoint owns the transaction.
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from npd_contracts import Envelope, EventData, LeaveReason, OrganisationKind
from npd_runtime.outbox import add_events
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from npd_membership import domain
from npd_membership.domain import Organisation, Status
from npd_membership.models import organisations, outbox

SOURCE = "/npd/membership"


class OrganisationNotFound(LookupError):
    def __init__(self, org_id: UUID) -> None:
        super().__init__(f"organisation {org_id} does not exist")
        self.org_id = org_id


class DuplicateName(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(f"an organisation named {name!r} has already applied or is a member")


def _now() -> datetime:
    return datetime.now(UTC)


async def _publish(session: AsyncSession, *events: EventData) -> None:
    await add_events(session, outbox, *(Envelope(data=e, source=SOURCE) for e in events))


def _row_to_org(row: Any) -> Organisation:
    return Organisation(
        id=row.id,
        name=row.name,
        kind=OrganisationKind(row.kind),
        status=Status(row.status),
        contact_person_id=row.contact_person_id,
        contact_email=row.contact_email,
        applied_at=row.applied_at,
        joined_at=row.joined_at,
        left_at=row.left_at,
    )


async def apply_for_membership(
    session: AsyncSession, *, name: str, kind: OrganisationKind, contact_person_id: str, contact_email: str
) -> Organisation:
    org, event = domain.apply(uuid4(), name, kind, contact_person_id, contact_email, _now())
    try:
        async with session.begin_nested():
            await session.execute(
                insert(organisations).values(
                    id=org.id,
                    name=org.name,
                    kind=org.kind.value,
                    status=org.status.value,
                    contact_person_id=org.contact_person_id,
                    contact_email=org.contact_email,
                    applied_at=org.applied_at,
                )
            )
    except IntegrityError:
        raise DuplicateName(org.name) from None
    await _publish(session, event)
    return org


async def get_organisation(session: AsyncSession, org_id: UUID, *, for_update: bool = False) -> Organisation:
    stmt = select(organisations).where(organisations.c.id == org_id)
    if for_update:
        stmt = stmt.with_for_update()
    row = (await session.execute(stmt)).first()
    if row is None:
        raise OrganisationNotFound(org_id)
    return _row_to_org(row)


async def _save_status(session: AsyncSession, org: Organisation) -> None:
    await session.execute(
        update(organisations)
        .where(organisations.c.id == org.id)
        .values(status=org.status.value, joined_at=org.joined_at, left_at=org.left_at, updated_at=func.now())
    )


async def admit_organisation(session: AsyncSession, org_id: UUID) -> Organisation:
    # The row lock orders concurrent changes to one organisation, and so the order of its events.
    org = await get_organisation(session, org_id, for_update=True)
    admitted, event = domain.admit(org, _now())
    await _save_status(session, admitted)
    await _publish(session, event)
    return admitted


async def record_departure(session: AsyncSession, org_id: UUID, reason: LeaveReason) -> Organisation:
    org = await get_organisation(session, org_id, for_update=True)
    departed, event = domain.leave(org, reason, _now())
    await _save_status(session, departed)
    await _publish(session, event)
    return departed


async def list_organisations(
    session: AsyncSession, *, status: Status | None, limit: int, offset: int
) -> tuple[Sequence[Organisation], int]:
    where = [organisations.c.status == status.value] if status else []
    total = (await session.execute(select(func.count()).select_from(organisations).where(*where))).scalar_one()
    rows = await session.execute(
        select(organisations)
        .where(*where)
        .order_by(organisations.c.name, organisations.c.id)
        .limit(limit)
        .offset(offset)
    )
    return [_row_to_org(r) for r in rows], total
