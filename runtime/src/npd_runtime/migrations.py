"""Alembic glue shared by every service's migrations/env.py: run migrations on the async engine."""

import asyncio
import os

from alembic import context
from sqlalchemy import MetaData, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine


def database_url_from_env(service: str) -> str:
    """Migrations need only the database, not the service's other settings (Kafka, OIDC)."""
    name = f"{service.upper()}_DATABASE_URL"
    try:
        return os.environ[name]
    except KeyError:
        raise SystemExit(f"set {name} (postgresql+asyncpg://user:password@host:port/database)") from None


def run_migrations(metadata: MetaData, database_url: str) -> None:
    """Call from env.py; offline mode (`--sql`) prints the SQL instead of running it."""
    if context.is_offline_mode():
        context.configure(url=database_url, target_metadata=metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    asyncio.run(_run_online(metadata, database_url))


def _do_run(connection: Connection, metadata: MetaData) -> None:
    context.configure(connection=connection, target_metadata=metadata)
    with context.begin_transaction():
        context.run_migrations()


async def _run_online(metadata: MetaData, database_url: str) -> None:
    engine = create_async_engine(database_url, poolclass=pool.NullPool)
    async with engine.connect() as connection:
        await connection.run_sync(_do_run, metadata)
    await engine.dispose()
