"""Reads (npd_runtime.reads): a SELECT compiled once and run straight on asyncpg, on read-only connections,
each statement a transaction of its own; column types applied as a session applies them."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest
import pytest_asyncio
from npd_runtime import Entity, Enum, EnumTuple, Query, Reads
from sqlalchemy import Column, Integer, MetaData, Table, Uuid, bindparam, func, select, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine


class Size(StrEnum):
    SMALL = "small"
    LARGE = "large"


@dataclass(frozen=True)
class Parcel:
    id: UUID
    size: Size
    labels: tuple[Size, ...]
    weight: int
    extra: dict[str, Any] | None


metadata = MetaData()
parcels = Table(
    "reads_parcels",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("size", Enum(Size, 10), nullable=False),
    Column("labels", EnumTuple(Size, 10), nullable=False),
    Column("weight", Integer, nullable=False),
    Column("extra", JSONB),
)
PARCELS = Entity(Parcel, parcels)

BY_ID = Query(PARCELS.select().where(parcels.c.id == bindparam("id")))
# A value written into the statement (bound once, through the Enum's bind processor) beside a parameter.
LARGE_OVER = Query(
    select(parcels.c.id, func.count().over().label("n"))
    .where(parcels.c.size == Size.LARGE, parcels.c.weight > bindparam("weight"))
    .order_by(parcels.c.weight)
)
NOW = Query(text("SELECT now(), :tag"))


@pytest_asyncio.fixture
async def database(runtime_db: tuple[str, AsyncEngine]) -> AsyncIterator[tuple[str, AsyncEngine]]:
    url = runtime_db[0]
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield url, engine
    await engine.dispose()


@pytest_asyncio.fixture
async def reads(database: tuple[str, AsyncEngine]) -> AsyncIterator[Reads]:
    reads = Reads(database[0], size=2)
    yield reads
    await reads.close()


async def store(engine: AsyncEngine, *items: Parcel) -> None:
    async with async_sessionmaker(engine)() as session, session.begin():
        await PARCELS.insert(session, items)


def parcel(size: Size = Size.SMALL, weight: int = 1, extra: dict[str, Any] | None = None) -> Parcel:
    return Parcel(uuid4(), size, (Size.LARGE, size), weight, extra)


async def test_a_row_comes_back_as_the_session_returns_it(reads: Reads, database: tuple[str, AsyncEngine]) -> None:
    item = parcel(Size.LARGE, 3, {"fragile": True, "name": "Café"})
    await store(database[1], item)
    values = await reads.first(BY_ID, id=item.id)
    assert values is not None
    got = PARCELS.of(values)
    assert got == item
    assert type(got.size) is Size and all(type(label) is Size for label in got.labels)  # domain types
    async with async_sessionmaker(database[1])() as session:
        assert got == await PARCELS.get(session, item.id)
    assert await reads.first(BY_ID, id=uuid4()) is None


async def test_values_fixed_in_the_statement_are_bound_once_and_parameters_by_name(
    reads: Reads, database: tuple[str, AsyncEngine]
) -> None:
    heavy, light, small = parcel(Size.LARGE, 50), parcel(Size.LARGE, 5), parcel(Size.SMALL, 99)
    await store(database[1], heavy, light, small)
    assert LARGE_OVER.parameters == {"weight"}
    rows = [r for r in await reads.rows(LARGE_OVER, weight=10) if r["id"] in {heavy.id, light.id, small.id}]
    assert [r["id"] for r in rows] == [heavy.id]
    assert [r["id"] for r in await reads.rows(LARGE_OVER, weight=1) if r["id"] in {heavy.id, light.id}] == [
        light.id,
        heavy.id,
    ]


async def test_a_missing_or_unknown_parameter_is_an_error_before_anything_is_sent(reads: Reads) -> None:
    with pytest.raises(KeyError):
        await reads.first(BY_ID)
    with pytest.raises(TypeError, match="does not take"):
        await reads.first(BY_ID, id=uuid4(), colour="red")


def test_queries_that_cannot_be_compiled_once_are_refused_when_written() -> None:
    with pytest.raises(TypeError, match="expanding"):
        Query(select(parcels.c.id).where(parcels.c.id.in_(bindparam("ids", expanding=True))))
    with pytest.raises(TypeError, match="label them"):
        Query(select(parcels.c.id, parcels.c.id))


async def test_each_statement_is_a_transaction_of_its_own(reads: Reads) -> None:
    first = (await reads.records(NOW, tag="a"))[0]
    await asyncio.sleep(0.01)
    second = (await reads.records(NOW, tag="b"))[0]
    assert first[0] < second[0]  # now() is the start of the statement's own transaction
    assert (first[1], second[1]) == ("a", "b")


async def test_postgresql_refuses_a_write_that_slipped_into_a_query(
    reads: Reads, database: tuple[str, AsyncEngine]
) -> None:
    item = parcel()
    write = Query(text("WITH gone AS (DELETE FROM reads_parcels WHERE id = :id RETURNING id) SELECT id FROM gone"))
    await store(database[1], item)
    with pytest.raises(asyncpg.ReadOnlySQLTransactionError):
        await reads.records(write, id=item.id)
    assert await reads.first(BY_ID, id=item.id) is not None


async def test_reads_can_be_closed_before_use_and_open_again_after_close(
    database: tuple[str, AsyncEngine],
) -> None:
    reads = Reads(database[0], size=1)
    item = parcel()
    await store(database[1], item)
    await reads.close()  # never opened: nothing to do
    assert await reads.first(BY_ID, id=item.id) is not None
    await reads.close()
    assert await reads.first(BY_ID, id=item.id) is not None  # opened again
    await reads.close()
