"""The handlers on a real session (rolled back after each test); the consumer's own tests cross the broker."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from npd_contracts import Envelope, MemberJoined, OrganisationKind, PersonErased, PersonRoleGranted, Role
from npd_notifications.config import NotificationsSettings
from npd_notifications.handlers import on_member_joined, on_person_erased
from npd_notifications.main import spec
from npd_notifications.models import notifications
from npd_runtime import load_access
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

SPEC = spec(NotificationsSettings(database_url="unused", oidc_issuer="unused", oidc_jwks_url="file:///unused"))


def joined(contact: str, days_ago: float = 0) -> Envelope[MemberJoined]:
    data = MemberJoined(
        organisation_id=uuid4(),
        name=f"Gemeente {contact}",
        kind=OrganisationKind.MUNICIPALITY,
        contact_person_id=contact,
        joined_at=datetime.now(UTC) - timedelta(days=days_ago),
    )
    return Envelope(data=data, source="/tests")


async def recipients(session: AsyncSession, events: list[Envelope[MemberJoined]]) -> list[str]:
    ids = [e.data.organisation_id for e in events]
    rows = await session.execute(
        select(notifications.c.recipient_person_id).where(notifications.c.organisation_id.in_(ids))
    )
    return sorted(rows.scalars())


async def test_each_new_member_of_a_batch_welcomes_its_own_contact(rolled_back: Callable[..., Any]) -> None:
    events = [joined(f"contact-{i}") for i in range(3)]
    async with rolled_back(SPEC) as session:
        await on_member_joined(session, events)
        assert await recipients(session, events) == ["contact-0", "contact-1", "contact-2"]


async def test_admissions_replayed_from_long_ago_welcome_nobody(rolled_back: Callable[..., Any]) -> None:
    events = [joined("recent"), joined("long-ago", days_ago=400)]
    async with rolled_back(SPEC) as session:
        await on_member_joined(session, events)
        assert await recipients(session, events) == ["recent"]


async def test_the_welcome_id_derives_from_the_event_so_a_second_run_cannot_make_two(
    rolled_back: Callable[..., Any],
) -> None:
    event = joined("twice")
    async with rolled_back(SPEC) as session:
        await on_member_joined(session, [event])
        with pytest.raises(IntegrityError, match="duplicate key"):
            async with session.begin_nested():
                await on_member_joined(session, [event])
        assert await recipients(session, [event]) == ["twice"]


async def test_an_erased_persons_inbox_is_emptied_and_everyone_elses_kept(rolled_back: Callable[..., Any]) -> None:
    events = [joined("erased-1"), joined("kept-1")]
    erased = Envelope(data=PersonErased(person_id="erased-1", erased_at=datetime.now(UTC)), source="/tests")
    async with rolled_back(SPEC) as session:
        await on_member_joined(session, events)
        await on_person_erased(session, [erased])
        assert await recipients(session, events) == ["kept-1"]


async def test_on_erasure_the_consumer_empties_the_inbox_and_ends_the_persons_access(
    rolled_back: Callable[..., Any],
) -> None:
    who, now = f"erased-{uuid4().hex[:6]}", datetime.now(UTC)
    grant = PersonRoleGranted(person_id=who, role=Role.MEMBER, organisation_id=uuid4(), granted_at=now)
    erased = PersonErased(person_id=who, erased_at=now + timedelta(seconds=1))
    consumes = SPEC.consumes
    events = [joined(who)]
    async with rolled_back(SPEC) as session:
        await consumes[PersonRoleGranted](session, [Envelope(data=grant, source="/tests")])
        await on_member_joined(session, events)
        assert (await load_access(session, who)).roles  # a member until erased
        await consumes[PersonErased](session, [Envelope(data=erased, source="/tests")])
        assert await recipients(session, events) == []
        assert not (await load_access(session, who)).roles
