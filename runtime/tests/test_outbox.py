"""publish(): events a service declares go to its outbox in the caller's transaction; others are refused."""

from datetime import UTC, datetime
from uuid import uuid4

import pytest
from npd_contracts import MemberJoined, MemberLeft, OrganisationKind
from npd_contracts.membership import LeaveReason
from npd_runtime import UndeclaredEvent, publish
from npd_runtime.outbox import OUTBOX, Publisher
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker


def left() -> MemberLeft:
    return MemberLeft(organisation_id=uuid4(), reason=LeaveReason.REMOVED, left_at=datetime.now(UTC))


def joined() -> MemberJoined:
    return MemberJoined(
        organisation_id=uuid4(),
        name="G",
        kind=OrganisationKind.OTHER,
        contact_person_id="p",
        joined_at=datetime.now(UTC),
    )


async def test_a_declared_event_is_written_with_the_services_source(runtime_db: tuple[str, AsyncEngine]) -> None:
    sessions = async_sessionmaker(runtime_db[1], info=Publisher("/npd/test", {MemberLeft}).session_info())
    event = left()
    async with sessions() as session, session.begin():
        await publish(session, event)
    async with sessions() as session:
        row = (await session.execute(select(OUTBOX).where(OUTBOX.c.key == str(event.organisation_id)))).one()
    assert (row.source, row.type) == ("/npd/test", MemberLeft.TYPE)


async def test_an_event_the_service_does_not_declare_is_refused_and_nothing_is_written(
    runtime_db: tuple[str, AsyncEngine],
) -> None:
    sessions = async_sessionmaker(runtime_db[1], info=Publisher("/npd/test", {MemberLeft}).session_info())
    event = joined()
    with pytest.raises(UndeclaredEvent, match="MemberJoined"):
        async with sessions() as session, session.begin():
            await publish(session, left(), event)
    async with sessions() as session:
        assert (await session.execute(select(OUTBOX).where(OUTBOX.c.key == str(event.organisation_id)))).first() is None


async def test_a_session_that_belongs_to_no_service_cannot_publish(runtime_db: tuple[str, AsyncEngine]) -> None:
    with pytest.raises(RuntimeError, match="needs a session of a service"):
        async with async_sessionmaker(runtime_db[1])() as session:
            await publish(session, left())
