"""HTTP models of the directory: query parameters, the opaque page cursor, entries and cards."""

import base64
import re
from typing import Annotated, Any
from uuid import UUID

from fastapi import Query
from npd_runtime.validation import Text
from pydantic import (
    BaseModel,
    Field,
    GetJsonSchemaHandler,
    GetPydanticSchema,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError

from npd_membership.directory.service import Card, Entry
from npd_membership.groups.schemas import Kind
from npd_membership.groups.schemas import Role as GroupSeat
from npd_membership.people.domain import Role
from npd_membership.people.schemas import NetworkRole

# A cursor is base64url, unpadded, of "name NUL id". The pattern admits exactly the strings that decode,
# and every one of them is a position in the (name, id) order, so what the schema allows is never refused:
# a cursor a client makes up only starts the list elsewhere, among the people the caller may see anyway.
CURSOR_PATTERN = r"^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2,3})?$"
CURSOR_MAX = 2500  # a name of 200 and an id of 255 characters, 4 bytes each, in base64
_CURSOR = re.compile(CURSOR_PATTERN)


def encode_cursor(name: str, person_id: str) -> str:
    return base64.urlsafe_b64encode(f"{name}\0{person_id}".encode()).rstrip(b"=").decode()


def decode_cursor(cursor: str) -> tuple[str, str]:
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode(errors="replace")
    name, _, person_id = raw.partition("\0")
    # PostgreSQL text holds no NUL; a made-up cursor may carry more than the separator.
    return name, person_id.replace("\0", "")


def _check_cursor(value: Any, handler: ValidatorFunctionWrapHandler) -> str:
    cursor: str = handler(value)
    if len(cursor) > CURSOR_MAX or not _CURSOR.match(cursor):
        raise PydanticCustomError(
            "invalid_cursor", "Not a cursor this API gave out: pass the previous page's `next` unchanged"
        )
    return cursor


def _declare_cursor(schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
    return {**handler(schema), "pattern": CURSOR_PATTERN, "maxLength": CURSOR_MAX}


Cursor = Annotated[str, WrapValidator(_check_cursor), GetPydanticSchema(get_pydantic_json_schema=_declare_cursor)]

After = Annotated[Cursor | None, Query(description="The `next` of the previous page; omit for the first page")]
PageSize = Annotated[int, Query(ge=1, le=100, description="People per page (at most 100)")]
NameQuery = Annotated[
    Text | None,
    Query(
        min_length=1,
        max_length=100,
        description="Name contains this, or a word of the name is spelled nearly alike; case-insensitive",
    ),
]
FunctionQuery = Annotated[
    Text | None, Query(min_length=1, max_length=100, description="Function title contains this; case-insensitive")
]
OrganisationQuery = Annotated[UUID | None, Query(description="Only people of this organisation")]
GroupQuery = Annotated[UUID | None, Query(description="Only active members (and chairs) of this group")]

# One schema per enum across the API: the same words as where people and groups are managed.
Seat = GroupSeat
_CONTACT = "Shown only to the person themselves, their organisation's admins and network admins."


class PersonEntry(BaseModel):
    """A person as the directory lists them."""

    id: str
    name: str
    organisation_id: UUID | None
    organisation_name: str | None
    function_title: str | None
    email: str | None = Field(description=_CONTACT)

    @classmethod
    def of(cls, entry: Entry) -> "PersonEntry":
        return cls.model_validate(entry, from_attributes=True)


class GroupSeatPublic(BaseModel):
    id: UUID
    name: str
    kind: Kind
    role: Seat


class PersonCard(PersonEntry):
    """One person's directory card."""

    language: str
    roles: list[NetworkRole]
    groups: list[GroupSeatPublic] = Field(description="Active groups the person is a member or chair of, by name")

    @classmethod
    def of_card(cls, card: Card) -> "PersonCard":
        seats = [GroupSeatPublic.model_validate(s, from_attributes=True) for s in card.groups]
        entry = PersonEntry.of(card.entry).model_dump()
        return cls(**entry, language=card.language, roles=[Role(r) for r in card.roles], groups=seats)


class DirectoryPage(BaseModel):
    items: list[PersonEntry]
    next: str | None = Field(
        description="Pass as `after` for the next page; null on the last page. There is no total: counting what "
        "a caller may see means reading every match."
    )
