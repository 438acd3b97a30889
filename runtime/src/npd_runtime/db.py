"""The service's database: one async engine per process, sessions handed to routes and handlers."""

import inspect
from collections.abc import AsyncIterator
from typing import Annotated, Any
from urllib.parse import urlencode

import asyncpg
from fastapi import Depends, Request
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

# What a database that cannot be reached raises: a passing condition of the server, not of the input.
UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError, OSError, TimeoutError)
# ... and what it answers while it cannot serve: SQLSTATE class 08 (connection exception), 57P (shutting down,
# crashed, starting up: "the database system is starting up" is 57P03), 53300 (too many connections).
# SQLAlchemy wraps these in a plain DBAPIError, so the class alone does not tell.
_UNAVAILABLE_SQLSTATES = ("08", "57P", "53300")


def is_unavailable(exc: BaseException) -> bool:
    """The database cannot serve right now (down, restarting, out of connections): passing trouble to retry,
    never the input's fault and never a reason to dead-letter an event."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, UNAVAILABLE_ERRORS):
            return True
        if isinstance(current, DBAPIError) and current.connection_invalidated:
            return True
        sqlstate = getattr(current, "sqlstate", None)
        if isinstance(sqlstate, str) and sqlstate.startswith(_UNAVAILABLE_SQLSTATES):
            return True
        orig = getattr(current, "orig", None)
        current = current.__cause__ or (orig if isinstance(orig, BaseException) else None)
    return False


_DIALECT: Any = PGDialect_asyncpg  # SQLAlchemy's own translation of the URL, untyped
_CONNECT_PARAMETERS = frozenset(inspect.signature(asyncpg.connect).parameters) - {"dsn"}
_DIALECT_ONLY = ("prepared_statement_cache_size", "prepared_statement_name_func", "async_creator_fn")


def asyncpg_connect_kwargs(database_url: str) -> dict[str, Any]:
    """asyncpg.connect() arguments for a SQLAlchemy URL, derived as the service's engine derives them.

    The asyncpg dialect turns the URL's query into keyword arguments (`?ssl=require`). Options asyncpg
    reads only from a libpq-style DSN (`sslmode`, `sslrootcert`, `sslcert`, `sslkey`, ...) travel in one,
    so those URL forms work too instead of failing as unexpected arguments. A server that does not answer
    fails the attempt after 10 s (asyncpg waits 60) unless the URL says otherwise.
    """
    url = make_url(database_url)
    _, kwargs = _DIALECT().create_connect_args(url)
    for name in _DIALECT_ONLY:
        kwargs.pop(name, None)
    libpq = {name: kwargs.pop(name) for name in list(kwargs) if name not in _CONNECT_PARAMETERS}
    if libpq:
        kwargs["dsn"] = "postgresql://?" + urlencode(libpq, doseq=True)
    kwargs.setdefault("timeout", 10.0)
    return dict(kwargs)


def create_engine(database_url: str, *, pool_size: int = 20) -> AsyncEngine:
    """The engine connects as the relay does (asyncpg_connect_kwargs), so every URL form works for both:
    SQLAlchemy's asyncpg dialect alone refuses libpq options such as `sslmode`."""
    connect = asyncpg_connect_kwargs(database_url)

    async def connection() -> Any:
        return await asyncpg.connect(**connect)

    # No pre-ping (a round trip per request); connections are recycled instead, and a dead one fails
    # one request, which the client may retry.
    # At most 20 connections, as before (10 + 10 overflow), but all kept: overflow connections are closed
    # when returned, so under load the pool opened and closed several a second (a server process each).
    return create_async_engine(
        database_url, pool_size=pool_size, max_overflow=0, pool_recycle=300, async_creator=connection
    )


def create_sessions(engine: AsyncEngine, info: dict[str, Any] | None = None) -> async_sessionmaker[AsyncSession]:
    """`info` travels with every session (the service's outbox Publisher, say)."""
    # expire_on_commit=False: routes read the objects they just wrote after the transaction ends.
    return async_sessionmaker(engine, expire_on_commit=False, info=info)


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    sessions: async_sessionmaker[AsyncSession] = request.app.state.sessions
    async with sessions() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(_session)]
