"""The service's database: one async engine per process, sessions handed to routes and handlers."""

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

# What a database that cannot be reached raises: a passing condition of the server, not of the input.
UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError, OSError, TimeoutError)


def create_engine(database_url: str, *, pool_size: int = 20) -> AsyncEngine:
    # No pre-ping (a round trip per request); connections are recycled instead, and a dead one fails
    # one request, which the client may retry.
    # At most 20 connections, as before (10 + 10 overflow), but all kept: overflow connections are closed
    # when returned, so under load the pool opened and closed several a second (a server process each).
    return create_async_engine(database_url, pool_size=pool_size, max_overflow=0, pool_recycle=300)


def create_sessions(engine: AsyncEngine, info: dict[str, Any] | None = None) -> async_sessionmaker[AsyncSession]:
    """`info` travels with every session (the service's outbox Publisher, say)."""
    # expire_on_commit=False: routes read the objects they just wrote after the transaction ends.
    return async_sessionmaker(engine, expire_on_commit=False, info=info)


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    sessions: async_sessionmaker[AsyncSession] = request.app.state.sessions
    async with sessions() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(_session)]
