"""Read sessions (ReadSessionDep): one statement each, in autocommit on the service's own pool, without
leaking autocommit into the transactions of the write sessions that reuse the connection afterwards."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from uuid import UUID, uuid4

import pytest
import pytest_asyncio
from npd_contracts import MemberLeft
from npd_runtime import Entity, publish
from npd_runtime.db import WriteInReadSession, create_read_sessions, create_sessions
from npd_runtime.outbox import Publisher
from sqlalchemy import Column, MetaData, String, Table, Uuid, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

metadata = MetaData()
notes = Table("read_session_notes", metadata, Column("id", Uuid, primary_key=True), Column("text", String(50)))


@dataclass(frozen=True)
class Note:
    id: UUID
    text: str


NOTES = Entity(Note, notes)
_NOW = text("SELECT now()")  # the start of the current transaction


@pytest_asyncio.fixture
async def engine(runtime_db: tuple[str, AsyncEngine]) -> AsyncIterator[AsyncEngine]:
    """One connection only, so the read and write sessions below take turns on the same one."""
    engine = create_async_engine(runtime_db[0], pool_size=1, max_overflow=0)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield engine
    await engine.dispose()


async def _two_nows(session: AsyncSession) -> tuple[object, object]:
    first = (await session.execute(_NOW)).scalar_one()
    await asyncio.sleep(0.01)
    return first, (await session.execute(_NOW)).scalar_one()


async def test_each_statement_of_a_read_session_is_a_transaction_of_its_own(engine: AsyncEngine) -> None:
    async with create_read_sessions(engine)() as session:
        first, second = await _two_nows(session)
    assert first != second  # no BEGIN before them: each statement started its own transaction


async def test_session_begin_in_a_read_session_still_sends_no_begin(engine: AsyncEngine) -> None:
    async with create_read_sessions(engine)() as session, session.begin():
        first, second = await _two_nows(session)
    assert first != second


async def test_the_connection_is_transactional_again_for_the_next_write_session(engine: AsyncEngine) -> None:
    async with create_read_sessions(engine)() as session:
        await session.execute(_NOW)
    async with create_sessions(engine)() as session, session.begin():
        first, second = await _two_nows(session)
    assert first == second  # one transaction: the pooled connection did not stay in autocommit
    # ... and a write session that rolls back leaves nothing, as a transaction must.
    note = Note(uuid4(), "rolled back")
    async with create_sessions(engine)() as session, session.begin():
        await NOTES.insert(session, [note])
        await session.rollback()
    async with create_read_sessions(engine)() as session:
        assert (await session.execute(select(notes.c.id).where(notes.c.id == note.id))).first() is None


async def test_a_read_session_refuses_writes_and_events(engine: AsyncEngine) -> None:
    note = Note(uuid4(), "never")
    async with create_read_sessions(engine)() as session:
        with pytest.raises(WriteInReadSession):
            await NOTES.insert(session, [note])
        with pytest.raises(WriteInReadSession):
            await NOTES.insert_new(session, note)
        with pytest.raises(WriteInReadSession):
            await NOTES.update(session, note, "text")
        with pytest.raises(RuntimeError, match="needs a session of a service"):
            await publish(session, MemberLeft.model_construct())
        assert (await session.execute(select(notes.c.id).where(notes.c.id == note.id))).first() is None
    # A write session of the same engine writes.
    info = Publisher("/npd/test", {MemberLeft}).session_info()
    async with create_sessions(engine, info=info)() as session, session.begin():
        await NOTES.insert(session, [note])
    async with create_read_sessions(engine)() as session:
        assert (await session.execute(select(notes.c.text).where(notes.c.id == note.id))).scalar_one() == "never"
