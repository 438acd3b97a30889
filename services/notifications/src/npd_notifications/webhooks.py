"""Webhook subscription use cases: who owns one (an organisation's admins, or the network admins), its
signing secret and rotation, re-enabling it, its delivery log and redelivery."""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from npd_runtime import Principal
from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from npd_notifications.models import deliveries, messages, webhook_subscriptions
from npd_notifications.signing import new_webhook_secret

W = webhook_subscriptions


class SubscriptionNotFound(LookupError):
    def __init__(self, subscription_id: UUID) -> None:
        super().__init__(f"webhook subscription {subscription_id} does not exist")


class DeliveryNotFound(LookupError):
    def __init__(self, delivery_id: UUID) -> None:
        super().__init__(f"delivery {delivery_id} of this subscription does not exist")


class NotAllowed(PermissionError):
    """Network subscriptions are the network admins'; an organisation's are its admins' (and theirs)."""


class UnknownEventTypes(ValueError):
    def __init__(self, unknown: Sequence[str]) -> None:
        super().__init__(f"no webhook can subscribe to {', '.join(sorted(unknown))}")


def may_manage(principal: Principal, organisation_id: UUID | None) -> bool:
    if organisation_id is None:
        return principal.is_network_admin
    return principal.administers(organisation_id)


async def create(
    session: AsyncSession,
    principal: Principal,
    *,
    url: str,
    event_types: Sequence[str],
    organisation_id: UUID | None,
    description: str,
    allowed_types: Sequence[str],
) -> dict[str, Any]:
    if not may_manage(principal, organisation_id):
        raise NotAllowed(
            "only network admins manage network webhooks"
            if organisation_id is None
            else f"only admins of organisation {organisation_id} manage its webhooks"
        )
    unknown = set(event_types) - set(allowed_types)
    if unknown:
        raise UnknownEventTypes(list(unknown))
    values = {
        "id": uuid4(),
        "organisation_id": organisation_id,
        "url": url,
        "event_types": sorted(set(event_types)),
        "description": description,
        "secret": new_webhook_secret(),
        "enabled": True,
        "created_by": principal.person_id,
    }
    row = (await session.execute(W.insert().values(**values).returning(*W.c))).mappings().one()
    return dict(row)


async def get(
    session: AsyncSession, principal: Principal, subscription_id: UUID, *, for_update: bool = False
) -> dict[str, Any]:
    """The subscription if the caller may manage it; someone else's is reported as not found."""
    stmt = select(W).where(W.c.id == subscription_id)
    row = (await session.execute(stmt.with_for_update() if for_update else stmt)).mappings().first()
    if row is None or not may_manage(principal, row["organisation_id"]):
        raise SubscriptionNotFound(subscription_id)
    return dict(row)


async def list_for(
    session: AsyncSession, principal: Principal, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    where = [] if principal.is_network_admin else [W.c.organisation_id == principal.org_id]
    if not principal.is_network_admin and principal.org_id is None:
        return [], 0
    total = (await session.execute(select(func.count()).select_from(W).where(*where))).scalar_one()
    rows = await session.execute(select(W).where(*where).order_by(W.c.created_at, W.c.id).limit(limit).offset(offset))
    return [dict(r) for r in rows.mappings()], int(total)


async def remove(session: AsyncSession, principal: Principal, subscription_id: UUID) -> None:
    await get(session, principal, subscription_id, for_update=True)
    await session.execute(
        delete(deliveries).where(
            deliveries.c.channel == "webhook",
            deliveries.c.recipient == str(subscription_id),
            deliveries.c.status == "pending",
        )
    )
    await session.execute(delete(W).where(W.c.id == subscription_id))


async def enable(session: AsyncSession, principal: Principal, subscription_id: UUID) -> dict[str, Any]:
    """Re-enable after it was disabled: its failure count starts again and its waiting deliveries go now."""
    await get(session, principal, subscription_id, for_update=True)
    row = (
        (
            await session.execute(
                update(W)
                .where(W.c.id == subscription_id)
                .values(enabled=True, consecutive_failures=0, disabled_at=None)
                .returning(*W.c)
            )
        )
        .mappings()
        .one()
    )
    await session.execute(
        update(deliveries)
        .where(
            deliveries.c.channel == "webhook",
            deliveries.c.recipient == str(subscription_id),
            deliveries.c.status == "pending",
        )
        .values(next_attempt_at=func.clock_timestamp())
    )
    return dict(row)


async def rotate_secret(
    session: AsyncSession, principal: Principal, subscription_id: UUID, overlap: timedelta
) -> dict[str, Any]:
    """A new secret; the old one keeps signing too (both signatures in the header) for `overlap`."""
    current = await get(session, principal, subscription_id, for_update=True)
    row = (
        (
            await session.execute(
                update(W)
                .where(W.c.id == subscription_id)
                .values(
                    secret=new_webhook_secret(),
                    previous_secret=current["secret"],
                    previous_secret_until=datetime.now(UTC) + overlap,
                )
                .returning(*W.c)
            )
        )
        .mappings()
        .one()
    )
    return dict(row)


_LOG = select(
    deliveries.c.id,
    messages.c.event_type,
    messages.c.source_event_id,
    deliveries.c.status,
    deliveries.c.attempts,
    deliveries.c.next_attempt_at,
    deliveries.c.last_error,
    deliveries.c.response_status,
    deliveries.c.created_at,
    deliveries.c.finished_at,
).join(messages, messages.c.id == deliveries.c.message_id)


async def delivery_log(
    session: AsyncSession, principal: Principal, subscription_id: UUID, status: str | None, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    await get(session, principal, subscription_id)
    where = [deliveries.c.channel == "webhook", deliveries.c.recipient == str(subscription_id)]
    if status is not None:
        where.append(deliveries.c.status == status)
    total = (await session.execute(select(func.count()).select_from(deliveries).where(and_(*where)))).scalar_one()
    rows = await session.execute(
        _LOG.where(*where).order_by(deliveries.c.created_at.desc(), deliveries.c.id).limit(limit).offset(offset)
    )
    return [dict(r) for r in rows.mappings()], int(total)


async def redeliver(
    session: AsyncSession, principal: Principal, subscription_id: UUID, delivery_id: UUID
) -> dict[str, Any]:
    """Send a delivery again, whatever became of it: it goes at once, with a fresh count of attempts."""
    await get(session, principal, subscription_id)
    done = await session.execute(
        update(deliveries)
        .where(
            deliveries.c.id == delivery_id,
            deliveries.c.channel == "webhook",
            deliveries.c.recipient == str(subscription_id),
        )
        .values(
            status="pending", attempts=0, next_attempt_at=func.clock_timestamp(), lease_until=None, finished_at=None
        )
        .returning(deliveries.c.id)
    )
    if done.first() is None:
        raise DeliveryNotFound(delivery_id)
    row = (await session.execute(_LOG.where(deliveries.c.id == delivery_id))).mappings().one()
    return dict(row)
