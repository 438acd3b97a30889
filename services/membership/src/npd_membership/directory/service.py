"""The directory: people of the network finding each other, within what each person allows. Read only.

Who sees whom is one rule, `visible_to`, applied in SQL to lists and cards alike, so a person the list
hides can never be read through the card. Pages are keyset pages over (name, id): a page starts after the
last row of the previous one, so rows inserted meanwhile neither shift nor repeat what follows.
"""

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from npd_runtime import Query, Reads
from sqlalchemy import (
    ARRAY,
    JSON,
    ColumnElement,
    Select,
    String,
    and_,
    any_,
    bindparam,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    tuple_,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession

from npd_membership.models import group_members, groups, organisations, people, person_roles
from npd_membership.people.domain import PersonStatus, Visibility

# A name search first asks the trigram index for its matches, unordered, up to this many. If there are no
# more, the page is read from just those (by primary key, then sorted); if there are, matches are common,
# and walking the (name, id) index finds a page of them soon. Either alone is slow on the other's searches:
# walking the names for a rare name reads all 500,000 of them (2-3 s), and sorting every match of a common
# one reads thousands of rows. See decision 33.
CANDIDATES = 500
# Below this, word similarity matches nearly everything and its trigrams are too few to use the index well.
SIMILAR_FROM = 3


@dataclass(frozen=True)
class Viewer:
    """Who is looking, as far as the directory's rules care."""

    person_id: str
    organisation_id: UUID | None
    network_admin: bool
    org_admin: bool

    def sees_contact(self, person_id: str, organisation_id: UUID | None) -> bool:
        """E-mail and other private contact data: the person themselves, their org's admins, network admins."""
        return (
            self.network_admin
            or person_id == self.person_id
            or (self.org_admin and organisation_id is not None and organisation_id == self.organisation_id)
        )


@dataclass(frozen=True)
class Filters:
    q: str | None = None
    organisation_id: UUID | None = None
    group_id: UUID | None = None
    function: str | None = None


@dataclass(frozen=True)
class Entry:
    id: str
    name: str
    organisation_id: UUID | None
    organisation_name: str | None
    function_title: str | None
    email: str | None


@dataclass(frozen=True)
class GroupSeat:
    id: UUID
    name: str
    kind: str
    role: str


@dataclass(frozen=True)
class Card:
    entry: Entry
    language: str
    roles: tuple[str, ...]
    groups: tuple[GroupSeat, ...]


def _is(column: ColumnElement[Any], value: str) -> ColumnElement[bool]:
    # A constant, not a bind parameter: the indexes cover active people only, and PostgreSQL can use such a
    # partial index only when the plan knows the value (a cached generic plan of `status = $1` cannot).
    return column == literal_column(f"'{value}'")


def visible_to(viewer: Viewer) -> ColumnElement[bool]:
    """Active people the viewer may find: `network` to everyone, `organisation` to their own organisation,
    `hidden` to their org's admins; everyone to network admins, and oneself always."""
    org = None if viewer.organisation_id is None else literal(viewer.organisation_id, people.c.organisation_id.type)
    return _visibility(viewer.network_admin, viewer.org_admin, literal(viewer.person_id, people.c.id.type), org)


def _visibility(
    network_admin: bool, org_admin: bool, viewer_id: ColumnElement[Any], viewer_org: ColumnElement[Any] | None
) -> ColumnElement[bool]:
    """visible_to's rule, with the viewer's id and organisation given as values or as parameters."""
    p = people.c
    active = _is(p.status, PersonStatus.ACTIVE)
    if network_admin:
        return active
    allowed = [_is(p.visibility, Visibility.NETWORK), p.id == viewer_id]
    if viewer_org is not None:
        own = p.organisation_id == viewer_org
        allowed.append(own if org_admin else and_(own, _is(p.visibility, Visibility.ORGANISATION)))
    return and_(active, or_(*allowed))


def _contains(value: str) -> str:
    escaped = value.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _name_matches(q: str) -> ColumnElement[bool]:
    # Contains, or a word of the name is spelled nearly alike ("Jansen" finds "Janssen"); both by trigram.
    name = func.lower(people.c.name)
    contains = name.like(_contains(q))
    if len(q) < SIMILAR_FROM:
        return contains
    return or_(contains, literal(q.lower()).op("<%", is_comparison=True)(name))


def _common_name_matches(q: str) -> ColumnElement[bool]:
    # A common name, so pages come from walking the (name, id) index and testing each name as it passes.
    # `|| ''` hides the expression from the trigram index: PostgreSQL guesses a LIKE '%...%' matches a few
    # hundred names, not thousands, and would otherwise sort all of them. Contains only: word similarity
    # costs ~6 us a name, and thousands of exact matches come first anyway.
    return func.lower(people.c.name.op("||")(literal_column("''"))).like(_contains(q))


def candidates_statement(q: str) -> Any:
    """Up to CANDIDATES + 1 active people whose name matches, found through the trigram index, unordered."""
    active = _is(people.c.status, PersonStatus.ACTIVE)
    return select(people.c.id).where(active, _name_matches(q)).limit(CANDIDATES + 1)


def among(candidates: Sequence[str]) -> Sequence[str] | None:
    """The people a name search may be confined to: its few candidates, or None when they are many."""
    return candidates if len(candidates) <= CANDIDATES else None


def _matching(filters: Filters, within: Sequence[str] | None) -> list[ColumnElement[bool]]:
    p = people.c
    where: list[ColumnElement[bool]] = []
    if filters.q:
        where.append(_name_matches(filters.q) if within is not None else _common_name_matches(filters.q))
    if filters.organisation_id:
        where.append(p.organisation_id == filters.organisation_id)
    if filters.group_id:
        gm = group_members.c
        in_group = (gm.group_id == filters.group_id) & (gm.person_id == p.id) & _is(gm.status, "active")
        where.append(exists().where(in_group))
    if filters.function:
        where.append(func.lower(p.function_title).like(_contains(filters.function)))
    return where


_PERSON = (people.c.id, people.c.name, people.c.organisation_id, people.c.function_title, people.c.email)
_ENTRY = (
    people.c.id,
    people.c.name,
    people.c.organisation_id,
    organisations.c.name.label("organisation_name"),
    people.c.function_title,
    people.c.email,
)
_WITH_ORGANISATION = people.outerjoin(organisations, organisations.c.id == people.c.organisation_id)


def _entry(viewer: Viewer, row: Mapping[Any, Any]) -> Entry:
    email = row["email"] if viewer.sees_contact(row["id"], row["organisation_id"]) else None
    return Entry(row["id"], row["name"], row["organisation_id"], row["organisation_name"], row["function_title"], email)


def search_statement(
    viewer: Viewer, filters: Filters, *, after: tuple[str, str] | None, limit: int, within: Sequence[str] | None = None
) -> Any:
    """The statement that reads a directory page (the benchmark compares it with the HTTP call); `within`
    confines it to these ids (a name search's few candidates)."""
    p = people.c
    where = [visible_to(viewer), *_matching(filters, within)]
    if within is not None:
        where.append(p.id == any_(literal(list(within), ARRAY(String))))
    if after is not None:
        where.append(tuple_(p.name, p.id) > tuple_(literal(after[0]), literal(after[1])))
    # One row more than the page: whether it exists says whether there is a next page, without a count.
    # Organisation names are joined to the page, not before the LIMIT: with the join inside, PostgreSQL
    # planned hash joins and parallel scans over every match (270 ms for a common name instead of 1).
    page = select(*_PERSON).where(*where).order_by(p.name, p.id).limit(limit + 1).subquery("page")
    org = organisations.c
    return (
        select(*page.c, org.name.label("organisation_name"))
        .select_from(page.outerjoin(organisations, org.id == page.c.organisation_id))
        .order_by(page.c.name, page.c.id)
    )


async def search(
    session: AsyncSession, viewer: Viewer, filters: Filters, *, after: tuple[str, str] | None, limit: int
) -> tuple[Sequence[Entry], bool]:
    """A page of people the viewer may see, by name, and whether more follow."""
    within = None
    if filters.q:
        within = among((await session.execute(candidates_statement(filters.q))).scalars().all())
    rows = (await session.execute(search_statement(viewer, filters, after=after, limit=limit, within=within))).all()
    return [_entry(viewer, row._mapping) for row in rows[:limit]], len(rows) > limit


def card_statement(viewer: Viewer, person_id: str) -> Any:
    """The statement that reads one card, the viewer's values written in (the benchmark's baseline)."""
    return _card(visible_to(viewer), literal(person_id, people.c.id.type))


def _card(visible: ColumnElement[bool], person_id: ColumnElement[Any]) -> Select[Any]:
    p, r, gm, g = people.c, person_roles.c, group_members.c, groups.c
    roles = (
        select(func.array_agg(aggregate_order_by(r.role, r.role), type_=ARRAY(String)))
        .where(r.person_id == p.id)
        .scalar_subquery()
    )
    seat = func.json_build_object("id", g.id, "name", g.name, "kind", g.kind, "role", gm.role)
    seats = (
        select(func.json_agg(aggregate_order_by(seat, g.name), type_=JSON))
        .select_from(group_members.join(groups, g.id == gm.group_id))
        .where(gm.person_id == p.id, _is(gm.status, "active"), _is(g.status, "active"))
        .scalar_subquery()
    )
    columns = (*_ENTRY, p.language, roles.label("roles"), seats.label("groups"))
    return select(*columns).select_from(_WITH_ORGANISATION).where(p.id == person_id, visible)


def _card_query(network_admin: bool, org_admin: bool, in_organisation: bool) -> Query:
    viewer_org = bindparam("viewer_org", type_=people.c.organisation_id.type) if in_organisation else None
    visible = _visibility(network_admin, org_admin, bindparam("viewer_id", type_=people.c.id.type), viewer_org)
    return Query(_card(visible, bindparam("person_id", type_=people.c.id.type)))


# The card's query for each kind of viewer (network admin, org admin, in an organisation), compiled once.
_CARDS = {shape: _card_query(*shape) for shape in itertools.product((False, True), repeat=3)}


async def card(reads: Reads, viewer: Viewer, person_id: str) -> Card | None:
    """One person's directory card, or None when there is no such active person or the viewer may not see
    them (the caller cannot tell which). One statement on the service's Reads (decision 130)."""
    query = _CARDS[(viewer.network_admin, viewer.org_admin, viewer.organisation_id is not None)]
    values = {"person_id": person_id, "viewer_id": viewer.person_id, "viewer_org": viewer.organisation_id}
    row = await reads.first(query, **{name: values[name] for name in query.parameters})
    if row is None:
        return None
    seats = tuple(GroupSeat(UUID(s["id"]), s["name"], s["kind"], s["role"]) for s in row["groups"] or ())
    return Card(_entry(viewer, row), row["language"], tuple(row["roles"] or ()), seats)
