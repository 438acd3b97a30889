from collections.abc import AsyncIterator

import pytest_asyncio
from npd_devstack.postgres import PostgresCluster
from npd_runtime.idempotency import processed_events_table
from npd_runtime.outbox import notify_trigger_ddl, outbox_table
from sqlalchemy import MetaData, Table, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

metadata = MetaData()
outbox: Table = outbox_table(metadata)
processed_events: Table = processed_events_table(metadata)


@pytest_asyncio.fixture(scope="session")
async def runtime_db(postgres_cluster: PostgresCluster) -> AsyncIterator[tuple[str, AsyncEngine]]:
    """A database with just the runtime's own tables, as a service's migrations would create them."""
    url = postgres_cluster.create_database("runtime_tests")
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.drop_all)
        await conn.execute(text("DROP FUNCTION IF EXISTS outbox_notify() CASCADE"))
        await conn.run_sync(metadata.create_all)
        for statement in notify_trigger_ddl():
            await conn.execute(text(statement))
    yield url, engine
    await engine.dispose()
