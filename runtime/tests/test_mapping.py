"""Entity: a frozen dataclass and its table, with statements built once and reused."""

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from uuid import UUID, uuid4

import pytest
import pytest_asyncio
from npd_contracts import MemberJoined, MemberLeft, OrganisationKind
from npd_contracts.membership import LeaveReason
from npd_runtime import Entity, Enum, UndeclaredEvent, changed_fields
from npd_runtime.outbox import OUTBOX, Publisher
from sqlalchemy import Column, DateTime, MetaData, String, Table, Uuid, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker


class Colour(StrEnum):
    RED = "red"
    BLUE = "blue"


@dataclass(frozen=True)
class Thing:
    id: UUID
    name: str
    colour: Colour


metadata = MetaData()
things = Table(
    "mapping_things",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(50), nullable=False),
    Column("colour", Enum(Colour, 10), nullable=False),
    Column("touched_at", DateTime(timezone=True), onupdate=func.clock_timestamp()),
    Column("note", String(50)),
)
THINGS = Entity(Thing, things)


@pytest_asyncio.fixture
async def session(runtime_db: tuple[str, AsyncEngine]) -> AsyncIterator[AsyncSession]:
    engine = runtime_db[1]
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    info = Publisher("/npd/test", {MemberLeft}).session_info()
    async with async_sessionmaker(engine, info=info)() as session, session.begin():
        yield session
        await session.rollback()


def left(org: UUID) -> MemberLeft:
    return MemberLeft(organisation_id=org, reason=LeaveReason.REMOVED, left_at=datetime.now(UTC))


def thing(name: str = "a") -> Thing:
    return Thing(id=uuid4(), name=name, colour=Colour.RED)


async def test_an_inserted_object_is_read_back_with_its_enum(session: AsyncSession) -> None:
    one, many = thing("one"), [thing("x"), thing("y")]
    await THINGS.insert(session, [one])
    await THINGS.insert(session, many)
    assert await THINGS.get(session, one.id) == one
    assert await THINGS.get(session, many[1].id, for_update=True) == many[1]
    assert await THINGS.get(session, uuid4()) is None


async def test_an_update_writes_the_changed_fields_and_the_columns_set_on_update(session: AsyncSession) -> None:
    before = thing()
    await THINGS.insert(session, [before])
    after = replace(before, colour=Colour.BLUE)
    await THINGS.update(session, after, *changed_fields(before, after))
    assert await THINGS.get(session, before.id) == after
    touched = (await session.execute(select(things.c.touched_at).where(things.c.id == before.id))).scalar_one()
    assert touched is not None


async def test_updates_of_the_same_fields_share_one_statement(session: AsyncSession) -> None:
    first, second = thing("p"), thing("q")
    await THINGS.insert(session, [first, second])
    statements = len(THINGS._updates)
    await THINGS.update(session, replace(first, name="p2"), "name")
    await THINGS.update(session, replace(second, name="q2"), "name")
    assert len(THINGS._updates) <= statements + 1
    assert (await THINGS.get(session, second.id)) == replace(second, name="q2")


async def test_an_update_with_events_writes_both_in_one_statement(session: AsyncSession) -> None:
    before = thing()
    await THINGS.insert(session, [before])
    after = replace(before, colour=Colour.BLUE)
    events = [left(before.id), left(before.id)]
    await THINGS.update(session, after, "colour", events=events)
    assert await THINGS.get(session, before.id) == after
    written = (
        await session.execute(select(OUTBOX.c.type, OUTBOX.c.source).where(OUTBOX.c.key == str(before.id)))
    ).all()
    assert written == [(MemberLeft.TYPE, "/npd/test")] * 2


async def test_an_update_with_an_undeclared_event_writes_nothing(session: AsyncSession) -> None:
    obj = thing()
    await THINGS.insert(session, [obj])
    joined = MemberJoined(
        organisation_id=obj.id,
        name="G",
        kind=OrganisationKind.OTHER,
        contact_person_id="p",
        joined_at=datetime.now(UTC),
    )
    with pytest.raises(UndeclaredEvent):
        await THINGS.update(session, replace(obj, name="changed"), "name", events=[joined])
    assert await THINGS.get(session, obj.id) == obj


def test_the_statements_it_runs_can_be_cached_by_sqlalchemy() -> None:
    # An uncacheable statement is compiled on every call, which costs more than building it.
    statements = [THINGS._get, THINGS._get_for_update, THINGS._update(("name",)), THINGS._update(("name",), 2)]
    assert all(statement._generate_cache_key() is not None for statement in statements)


@pytest.mark.parametrize("note", ["plain value", text("'from SQL'")])
async def test_extra_columns_take_values_or_sql_expressions(session: AsyncSession, note: object) -> None:
    obj = thing()
    await THINGS.insert(session, [obj])
    await THINGS.update(session, obj, note=note)
    stored = (await session.execute(select(things.c.note).where(things.c.id == obj.id))).scalar_one()
    assert stored in ("plain value", "from SQL")


def test_a_field_without_a_column_is_refused() -> None:
    @dataclass(frozen=True)
    class Odd:
        id: UUID
        missing: str

    with pytest.raises(TypeError, match="missing"):
        Entity(Odd, things)


async def test_an_insert_with_events_writes_the_rows_and_their_outbox_rows_in_one_statement(
    session: AsyncSession,
) -> None:
    rows = [thing("p"), thing("q")]
    org = uuid4()
    await THINGS.insert(session, rows, events=[left(org), left(org)])
    assert [await THINGS.get(session, r.id) for r in rows] == rows
    written = (await session.execute(select(OUTBOX.c.type).where(OUTBOX.c.key == str(org)))).scalars().all()
    assert written == ["nl.npd.membership.member-left.v1"] * 2
    joined = MemberJoined(
        organisation_id=org, name="x", kind=OrganisationKind.OTHER, contact_person_id="p", joined_at=datetime.now(UTC)
    )
    with pytest.raises(UndeclaredEvent):
        await THINGS.insert(session, [thing()], events=[joined])


async def test_insert_new_writes_once_and_answers_whether_it_did(session: AsyncSession) -> None:
    first = thing("first")
    assert await THINGS.insert_new(session, first) is True
    assert await THINGS.insert_new(session, replace(first, name="second")) is False
    assert await THINGS.get(session, first.id) == first
