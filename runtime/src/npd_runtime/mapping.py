"""One mapping per entity: a domain dataclass and its table, written down once.

Fields and columns are matched by name; column types such as `Enum` return domain types, so a row becomes
an object without hand-written conversion, and an object becomes the values to insert or update. It is
SQLAlchemy Core underneath (one statement for many rows), not the ORM's unit of work: domain objects stay
frozen and the service decides what is written when.
"""

import dataclasses
from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, String, Table, TypeDecorator, insert, select, update
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession

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


class Entity(Generic[T]):
    """The mapping between dataclass `cls` and `table`: every field is a column of the same name."""

    def __init__(self, cls: type[T], table: Table) -> None:
        names = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
        missing = [n for n in names if n not in table.c]
        if missing:
            raise TypeError(f"{cls.__name__} fields without a column in {table.name}: {missing}")
        self.cls, self.table, self.fields = cls, table, tuple(names)
        self._columns = [table.c[n] for n in names]
        self._key = list(table.primary_key.columns)

    def load(self, row: Any) -> T:
        values = row._mapping
        return self.cls(**{name: values[name] for name in self.fields})

    def values(self, obj: T, *only: str) -> dict[str, Any]:
        """The column values of `obj`: all fields, or just `only`."""
        return {name: getattr(obj, name) for name in (only or self.fields)}

    def select(self) -> Select[Any]:
        return select(*self._columns)

    def _where_key(self, key: Any) -> list[ColumnElement[bool]]:
        keys = key if isinstance(key, tuple) else (key,)
        return [column == value for column, value in zip(self._key, keys, strict=True)]

    async def get(self, session: AsyncSession, key: Any, *, for_update: bool = False) -> T | None:
        """The object with this primary key; `for_update` locks its row until the transaction ends."""
        stmt = self.select().where(*self._where_key(key))
        if for_update:
            stmt = stmt.with_for_update()
        row = (await session.execute(stmt)).first()
        return None if row is None else self.load(row)

    async def all(self, session: AsyncSession, stmt: Select[Any]) -> list[T]:
        return [self.load(row) for row in await session.execute(stmt)]

    async def insert(self, session: AsyncSession, objs: Iterable[T]) -> None:
        """Insert every object in one statement."""
        rows = [self.values(obj) for obj in objs]
        if rows:
            await session.execute(insert(self.table), rows)

    async def update(self, session: AsyncSession, obj: T, *fields: str, **extra: Any) -> None:
        """Write `fields` of `obj` (and `extra` column values) to its row."""
        key = tuple(getattr(obj, column.name) for column in self._key)
        await session.execute(
            update(self.table).where(*self._where_key(key)).values(**self.values(obj, *fields), **extra)
        )


def changed_fields(before: Any, after: Any) -> Sequence[str]:
    """The dataclass fields whose values differ between two versions of one object."""
    return [f.name for f in dataclasses.fields(after) if getattr(before, f.name) != getattr(after, f.name)]
