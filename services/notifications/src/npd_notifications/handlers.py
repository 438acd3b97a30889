"""Reactions to other services' events. Deduplication and the transaction are the consumer's (npd_runtime)."""

import uuid
from datetime import UTC, datetime

from npd_contracts import Envelope, MemberJoined
from sqlalchemy.ext.asyncio import AsyncSession

from npd_notifications import domain, service

# Notification ids derive from the event id, so even a handler run twice could not create two.
_NOTIFICATION_NAMESPACE = uuid.UUID("5b8f0a3e-7c1d-4f7e-9a43-0e6d2b1c9f10")


async def on_member_joined(session: AsyncSession, event: MemberJoined, envelope: Envelope) -> None:
    if not domain.welcome_is_due(event, datetime.now(UTC)):
        return
    notification_id = uuid.uuid5(_NOTIFICATION_NAMESPACE, f"welcome:{envelope.id}")
    await service.deliver_to_inbox(session, domain.welcome(notification_id, event))
