"""One mapping per entity: a domain dataclass and its table, written down once.

Fields and columns are matched by name; column types such as `Enum` return domain types, so a row becomes
an object without hand-written conversion, and an object becomes the values to insert or update. It is
SQLAlchemy Core underneath (one statement for many rows), not the ORM's unit of work: domain objects stay
frozen and the service decides what is written when.
"""

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from typing import Any, Generic, TypeVar

from npd_contracts import EventData
from sqlalchemy import (
    ClauseElement,
    ColumnElement,
    Insert,
    Select,
    String,
    Table,
    TypeDecorator,
    Update,
    bindparam,
    insert,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession

from npd_runtime.outbox import outbox_params, with_outbox_rows

T = TypeVar("T")
S = TypeVar("S", bound=StrEnum)


class Enum(TypeDecorator[S]):
    """A string column whose values are a StrEnum's: the database keeps the text, Python gets the member."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[S], length: int) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: Any, dialect: Dialect) -> S | None:
        return None if value is None else self.enum(value)


class EnumTuple(TypeDecorator[tuple[S, ...]]):
    """An array column of a StrEnum's values: the database keeps text[], Python gets a tuple of members."""

    impl = ARRAY
    cache_ok = True

    def __init__(self, enum: type[S], length: int) -> None:
        super().__init__(String(length))
        self.enum = enum

    def process_bind_param(self, value: Any, dialect: Dialect) -> list[str] | None:
        return None if value is None else [self.enum(v).value for v in value]

    def process_result_value(self, value: Any, dialect: Dialect) -> tuple[S, ...] | None:
        return None if value is None else tuple(self.enum(v) for v in value)


class Entity(Generic[T]):
    """The mapping between dataclass `cls` and `table`: every field is a column of the same name.

    The statements it runs are built once (values as bind parameters), not per call: building one and
    computing its cache key cost more than a third of SQLAlchemy's time on an admission.
    """

    def __init__(self, cls: type[T], table: Table) -> None:
        names = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
        missing = [n for n in names if n not in table.c]
        if missing:
            raise TypeError(f"{cls.__name__} fields without a column in {table.name}: {missing}")
        self.cls, self.table, self.fields = cls, table, tuple(names)
        self._columns = [table.c[n] for n in names]
        self._key = list(table.primary_key.columns)
        self._key_names = [f"key_{i}" for i in range(len(self._key))]
        by_key = self.select().where(*self._where_key(tuple(bindparam(n) for n in self._key_names)))
        self._get = by_key
        self._get_for_update = by_key.with_for_update()
        self._insert = insert(table)
        self._insert_new = pg_insert(table).on_conflict_do_nothing(index_elements=self._key).returning(*self._key)
        self._updates: dict[tuple[Any, ...], Update | Insert] = {}

    def load(self, row: Any) -> T:
        """The object of a SQLAlchemy row (a session's result)."""
        return self.of(row._mapping)

    def of(self, values: Mapping[str, Any]) -> T:
        """The object of column values by name (a row of `Reads.rows`, say)."""
        return self.cls(**{name: values[name] for name in self.fields})

    def values(self, obj: T, *only: str) -> dict[str, Any]:
        """The column values of `obj`: all fields, or just `only`."""
        return {name: getattr(obj, name) for name in (only or self.fields)}

    def select(self) -> Select[Any]:
        return select(*self._columns)

    def _where_key(self, key: Any) -> list[ColumnElement[bool]]:
        keys = key if isinstance(key, tuple) else (key,)
        return [column == value for column, value in zip(self._key, keys, strict=True)]

    def _key_params(self, key: Any) -> dict[str, Any]:
        keys = key if isinstance(key, tuple) else (key,)
        return dict(zip(self._key_names, keys, strict=True))

    async def get(self, session: AsyncSession, key: Any, *, for_update: bool = False) -> T | None:
        """The object with this primary key; `for_update` locks its row until the transaction ends."""
        stmt = self._get_for_update if for_update else self._get
        row = (await session.execute(stmt, self._key_params(key))).first()
        return None if row is None else self.load(row)

    async def all(self, session: AsyncSession, stmt: Select[Any]) -> list[T]:
        return [self.load(row) for row in await session.execute(stmt)]

    async def insert(self, session: AsyncSession, objs: Iterable[T], *, events: Sequence[EventData] = ()) -> None:
        """Insert every object in one statement; with `events`, their outbox rows in the same statement."""
        rows = [self.values(obj) for obj in objs]
        if not events:
            if rows:
                await session.execute(self._insert, rows)
            return
        params = {f"row_{i}_{name}": value for i, row in enumerate(rows) for name, value in row.items()}
        await session.execute(self._insert_with_events(len(rows), len(events)), params | outbox_params(session, events))

    async def insert_new(self, session: AsyncSession, obj: T) -> bool:
        """Insert `obj` unless a row with its key exists (then False, and nothing written). A concurrent insert
        of the same key makes this wait for it to commit, then answer False: no error, no savepoint."""
        return (await session.execute(self._insert_new, self.values(obj))).first() is not None

    def _insert_with_events(self, rows: int, events: int) -> Insert:
        key = ("insert", rows, events)
        stmt = self._updates.get(key)
        if not isinstance(stmt, Insert):
            # SELECTs of typed parameters, not a multi-row VALUES, whose compiled form SQLAlchemy cannot cache
            # (compiling it anew cost more than the round trip saved: measured with bench-cpu).
            picks = [
                select(*(bindparam(f"row_{i}_{c.name}", type_=c.type) for c in self._columns)) for i in range(rows)
            ]
            change = insert(self.table).from_select(self._columns, picks[0] if rows == 1 else union_all(*picks))
            stmt = with_outbox_rows(change if rows else None, events)
            self._updates[key] = stmt  # bounded: one per (rows, events) the use cases make
        return stmt

    async def update(
        self, session: AsyncSession, obj: T, *fields: str, events: Sequence[EventData] = (), **extra: Any
    ) -> None:
        """Write `fields` of `obj` (and `extra` column values) to its row, and `events` to the outbox in the
        same statement (as publish() would, one round trip sooner).

        A column whose table gives it an `onupdate` (an `updated_at = now()`, say) is set as well, by the
        statement. An SQL expression in `extra` makes a statement for this call only.
        """
        key = tuple(getattr(obj, column.name) for column in self._key)
        values = self.values(obj, *fields) | extra
        outbox = outbox_params(session, events) if events else {}
        if any(isinstance(value, ClauseElement) for value in extra.values()):
            stmt = update(self.table).where(*self._where_key(key)).values(**values)
            await session.execute(with_outbox_rows(stmt, len(events)) if events else stmt, outbox)
            return
        params = {f"set_{name}": value for name, value in values.items()} | self._key_params(key) | outbox
        await session.execute(self._update(tuple(values), len(events)), params)

    def _update(self, names: tuple[str, ...], events: int = 0) -> Update | Insert:
        stmt = self._updates.get((names, events))
        if stmt is None:
            where = self._where_key(tuple(bindparam(n) for n in self._key_names))
            change = update(self.table).where(*where).values({name: bindparam(f"set_{name}") for name in names})
            stmt = with_outbox_rows(change, events) if events else change
            # Bounded: one statement per combination of changed fields and event count the use cases make.
            self._updates[(names, events)] = stmt
        return stmt


def changed_fields(before: Any, after: Any) -> Sequence[str]:
    """The dataclass fields whose values differ between two versions of one object."""
    return [f.name for f in dataclasses.fields(after) if getattr(before, f.name) != getattr(after, f.name)]
