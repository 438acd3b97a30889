"""Reactions to other services' events: contract events in, domain inputs out, one service call.

Deduplication, batching and the transaction are the runtime's (npd_runtime.consumer): a handler gets the
new events of its type in order and writes their effects through the session.
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from npd_contracts import Envelope, MemberJoined, PersonErased
from sqlalchemy.ext.asyncio import AsyncSession

from npd_notifications import domain, service

# Notification ids derive from the event id, so even a handler run twice could not create two.
_NOTIFICATION_NAMESPACE = uuid.UUID("5b8f0a3e-7c1d-4f7e-9a43-0e6d2b1c9f10")


def _new_member(event: MemberJoined) -> domain.NewMember:
    return domain.NewMember(
        organisation_id=event.organisation_id,
        name=event.name,
        contact_person_id=event.contact_person_id,
        joined_at=event.joined_at,
    )


async def on_member_joined(session: AsyncSession, events: Sequence[Envelope[MemberJoined]]) -> None:
    now = datetime.now(UTC)
    welcomes = [
        domain.welcome(uuid.uuid5(_NOTIFICATION_NAMESPACE, f"welcome:{e.id}"), member)
        for e in events
        if domain.welcome_is_due(member := _new_member(e.data), now)
    ]
    await service.deliver_to_inbox(session, welcomes)


async def on_person_erased(session: AsyncSession, events: Sequence[Envelope[PersonErased]]) -> None:
    await service.erase_people(session, [e.data.person_id for e in events])
