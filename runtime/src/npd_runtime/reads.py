"""Hot reads straight on asyncpg: a SELECT written with SQLAlchemy Core (or `text()`), compiled once, run on a
small pool of read-only connections.

A read through an AsyncSession pays SQLAlchemy's session, connection and result layers on every call: py-spy
of events answering `GET /v1/meetings/{id}` put a third of the process's samples in SQLAlchemy, against 7 % in
asyncpg itself (docs/decisions.md 130). A `Query` keeps what SQLAlchemy is good at (the statement written
against the tables, its SQL for PostgreSQL, the column types that return domain types such as `Enum`) and
does that work once: per call it only orders the arguments, sends the statement and applies the result
processors of the columns that have one.

`Reads` runs queries on connections whose transactions are read-only (PostgreSQL refuses any write with
SQLSTATE 25006), in autocommit: each statement is a transaction of its own with one snapshot, so a query
must be ONE statement. Several statements that must agree (a count and its page, a check and a write) belong
in SessionDep's transaction. Nothing can be published from here: there is no outbox on this path.
"""

import json
from collections.abc import Mapping, Sequence
from typing import Annotated, Any

import asyncpg
from fastapi import Depends, Request
from sqlalchemy import Select, TextClause
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg

from npd_runtime.db import asyncpg_connect_kwargs

_DIALECT: Any = PGDialect_asyncpg()  # type: ignore[no-untyped-call]  # the engine's dialect: same SQL, same type processors


class Query:
    """One SELECT, compiled once for asyncpg. Parameters are `bindparam(name)`s (or `:name` in a `text()`);
    values fixed in the statement (`column == "x"`) are bound once, here."""

    def __init__(self, statement: Select[Any] | TextClause) -> None:
        compiled = statement.compile(dialect=_DIALECT)
        self.sql = compiled.string
        self._arguments: list[tuple[str, Any, bool]] = []  # (name, bind processor, value fixed in the statement)
        self.parameters: set[str] = set()
        for name in compiled.positiontup or ():
            bind = compiled.binds[name]
            if bind.expanding:
                raise TypeError(f"{name}: an expanding IN list; compare with `= ANY(:{name})` and pass a list")
            processor = bind.type.dialect_impl(_DIALECT).bind_processor(_DIALECT)
            if bind.required or bind.callable is not None:
                self.parameters.add(name)
                self._arguments.append((name, processor, False))
            else:
                value = bind.effective_value  # written into the statement: `column == "x"`
                self._arguments.append((name, processor(value) if processor else value, True))
        if isinstance(statement, Select):
            self.names: tuple[str, ...] = tuple(str(column.key) for column in statement.selected_columns)
            if len(set(self.names)) != len(self.names):
                raise TypeError(f"columns of one name in {self.names}: label them")
            processors = (
                column.type.dialect_impl(_DIALECT).result_processor(_DIALECT, None)
                for column in statement.selected_columns
            )
            self._results = [(i, p) for i, p in enumerate(processors) if p is not None]
        else:
            self.names, self._results = (), []

    def arguments(self, params: Mapping[str, Any]) -> list[Any]:
        """The positional arguments for `params`, by name; a missing one or an unknown one is an error."""
        unknown = params.keys() - self.parameters
        if unknown:
            raise TypeError(f"parameters the query does not take: {sorted(unknown)}")
        arguments = []
        for name, processor, fixed in self._arguments:
            if fixed:
                arguments.append(processor)
            else:
                value = params[name]  # KeyError: a parameter not given
                arguments.append(processor(value) if processor is not None else value)
        return arguments

    def row(self, record: Sequence[Any]) -> dict[str, Any]:
        """A row of a Select as {column key: value}, each column's type applied (an `Enum`'s member, say)."""
        values = list(record)
        for i, processor in self._results:
            values[i] = processor(values[i])
        return dict(zip(self.names, values, strict=True))


async def _init(connection: asyncpg.Connection) -> None:
    # As SQLAlchemy's asyncpg dialect does: JSON arrives decoded; its bind processors send JSON as text.
    for name in ("json", "jsonb"):
        await connection.set_type_codec(name, schema="pg_catalog", encoder=str, decoder=json.loads, format="text")


class Reads:
    """A pool of read-only connections for Query, opened on first use (no connection at start-up, so a service
    comes up while PostgreSQL does not answer yet, as its engine does) and closed with the app."""

    def __init__(self, database_url: str, *, size: int = 10) -> None:
        self._connect = asyncpg_connect_kwargs(database_url)
        # Every transaction read-only: PostgreSQL itself refuses a write that slipped into a query.
        settings = dict(self._connect.pop("server_settings", None) or {})
        self._settings = settings | {"default_transaction_read_only": "on"}
        self._size = size
        self._pool: asyncpg.Pool | None = None

    async def _opened(self) -> asyncpg.Pool:
        if self._pool is None:
            # min_size 0: opening the pool connects nothing; each connection is made when first needed.
            pool = asyncpg.create_pool(
                **self._connect, min_size=0, max_size=self._size, init=_init, server_settings=self._settings
            )
            await pool
            # Two first calls may both have come this far (opening awaits): the second pool is not kept.
            if self._pool is None:
                self._pool = pool
            else:
                await pool.close()
        return self._pool

    async def records(self, query: Query, **params: Any) -> list[asyncpg.Record]:
        """The rows as asyncpg records, no column types applied: for a `text()` query read by position."""
        pool = await self._opened()
        result: list[asyncpg.Record] = await pool.fetch(query.sql, *query.arguments(params))
        return result

    async def rows(self, query: Query, **params: Any) -> list[dict[str, Any]]:
        """The rows of a Select, each as {column key: value} with its column's type applied."""
        return [query.row(record) for record in await self.records(query, **params)]

    async def first(self, query: Query, **params: Any) -> dict[str, Any] | None:
        pool = await self._opened()
        record = await pool.fetchrow(query.sql, *query.arguments(params))
        return None if record is None else query.row(record)

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()


async def _reads(request: Request) -> Reads:
    reads: Reads = request.app.state.reads
    return reads


ReadsDep = Annotated[Reads, Depends(_reads)]
"""The service's Reads, for a route whose answer is one statement (no transaction, no session to close)."""
