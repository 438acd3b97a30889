"""Webhook subscriptions (/v1/webhooks): other systems receive our events, signed by the Standard Webhooks
scheme. An organisation's admins manage its subscriptions (which receive the events about it), network
admins the network-wide ones; anyone else is told a subscription does not exist."""

from datetime import timedelta
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from npd_runtime import NOT_FOUND, Forbidden, Limit, Offset, Page, PrincipalDep, Problems, ProblemType, SessionDep

from npd_notifications import webhooks
from npd_notifications.api import ERRORS
from npd_notifications.config import NotificationsSettings
from npd_notifications.schemas import (
    DeliveryStatusName,
    WebhookCreate,
    WebhookDeliveryPublic,
    WebhookPublic,
    WebhookWithSecret,
)
from npd_notifications.webhook_calls import ForbiddenTarget, check_target

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])

PROBLEMS: Problems = {
    webhooks.SubscriptionNotFound: NOT_FOUND,
    webhooks.DeliveryNotFound: NOT_FOUND,
    webhooks.NotAllowed: ProblemType(403, "forbidden", "Forbidden"),
    webhooks.UnknownEventTypes: ProblemType(422, "unknown-event-type", "Unknown event type"),
    ForbiddenTarget: ProblemType(422, "forbidden-webhook-target", "This URL may not receive webhooks"),
}
_MINE: dict[int | str, dict[str, Any]] = {404: {"description": "No such subscription the caller manages"}, **ERRORS}


def _public(row: dict[str, Any]) -> WebhookPublic:
    return WebhookPublic.model_validate(row)


def _settings(request: Request) -> NotificationsSettings:
    settings: NotificationsSettings = request.app.state.settings
    return settings


@router.post("", status_code=201, responses=ERRORS)
async def create_webhook(
    body: WebhookCreate, request: Request, principal: PrincipalDep, session: SessionDep
) -> WebhookWithSecret:
    """Subscribe a URL to event types; the answer holds its signing secret, shown only this once."""
    if not principal.in_network:
        raise Forbidden("this needs a role in the network")
    await check_target(str(body.url), _settings(request))
    async with session.begin():
        row = await webhooks.create(
            session,
            principal,
            url=str(body.url),
            event_types=[t.value for t in body.event_types],
            organisation_id=body.organisation_id,
            description=body.description,
            allowed_types=request.app.state.webhook_event_types,
        )
    return WebhookWithSecret.model_validate(row)


@router.get("", responses=ERRORS)
async def list_webhooks(
    principal: PrincipalDep, session: SessionDep, limit: Limit = 50, offset: Offset = 0
) -> Page[WebhookPublic]:
    """The subscriptions the caller manages: their organisation's, or (network admins) all."""
    async with session.begin():
        rows, total = await webhooks.list_for(session, principal, limit, offset)
    return Page(items=[_public(r) for r in rows], total=total, limit=limit, offset=offset)


@router.get("/{subscription_id}", responses=_MINE)
async def read_webhook(subscription_id: UUID, principal: PrincipalDep, session: SessionDep) -> WebhookPublic:
    async with session.begin():
        return _public(await webhooks.get(session, principal, subscription_id))


@router.delete("/{subscription_id}", status_code=204, responses=_MINE)
async def delete_webhook(subscription_id: UUID, principal: PrincipalDep, session: SessionDep) -> None:
    """Unsubscribe: nothing more is sent to it, pending deliveries included."""
    async with session.begin():
        await webhooks.remove(session, principal, subscription_id)


@router.post("/{subscription_id}/enable", responses=_MINE)
async def enable_webhook(subscription_id: UUID, principal: PrincipalDep, session: SessionDep) -> WebhookPublic:
    """Re-enable a subscription disabled after repeated failures; what waited for it goes now."""
    async with session.begin():
        return _public(await webhooks.enable(session, principal, subscription_id))


@router.post("/{subscription_id}/rotate-secret", responses=_MINE)
async def rotate_secret(
    subscription_id: UUID, request: Request, principal: PrincipalDep, session: SessionDep
) -> WebhookWithSecret:
    """A new signing secret; for a while (NOTIFICATIONS_WEBHOOK_ROTATION_OVERLAP_S) calls are signed with the
    old one too, so a receiver can switch without missing a call."""
    overlap = timedelta(seconds=_settings(request).webhook_rotation_overlap_s)
    async with session.begin():
        return WebhookWithSecret.model_validate(
            await webhooks.rotate_secret(session, principal, subscription_id, overlap)
        )


@router.get("/{subscription_id}/deliveries", responses=_MINE)
async def delivery_log(
    subscription_id: UUID,
    principal: PrincipalDep,
    session: SessionDep,
    status: DeliveryStatusName | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[WebhookDeliveryPublic]:
    """What was sent to the subscription, newest first, with attempts, last error and response status."""
    async with session.begin():
        rows, total = await webhooks.delivery_log(
            session, principal, subscription_id, status.value if status else None, limit, offset
        )
    return Page(items=[WebhookDeliveryPublic.model_validate(r) for r in rows], total=total, limit=limit, offset=offset)


@router.post("/{subscription_id}/deliveries/{delivery_id}/redeliver", responses=_MINE)
async def redeliver(
    subscription_id: UUID, delivery_id: UUID, principal: PrincipalDep, session: SessionDep
) -> WebhookDeliveryPublic:
    """Send one delivery again now (after a fix on the receiving side, say), with the same webhook-id."""
    async with session.begin():
        return WebhookDeliveryPublic.model_validate(
            await webhooks.redeliver(session, principal, subscription_id, delivery_id)
        )
