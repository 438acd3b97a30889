"""Practice use cases: share, edit, withdraw, read and search, each under the practice's label. Who may read
what is decided in SQL (`visible`), before a page is cut, so a page and its total hold only what the reader may
see; the domain's `may_read` says the same for one practice. Events say only what the label lets every
consumer of the topic know. Nothing here commits.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID, uuid4

from npd_contracts import practices as contracts
from npd_runtime import Principal
from sqlalchemy import ColumnElement, and_, func, literal_column, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from npd_events.models import GROUPS, PRACTICES, groups, meetings, organisations, practices, reports
from npd_events.practices import domain
from npd_events.practices.domain import Content, Practice, PracticeLabel, Reader, Theme


class PracticeNotFound(LookupError):
    def __init__(self, practice_id: UUID) -> None:
        super().__init__(f"there is no practice {practice_id} that you may read")


class UnknownGroup(LookupError):
    def __init__(self, group_id: UUID) -> None:
        super().__init__(f"group {group_id} does not exist or is archived")


class UnknownLinks(LookupError):
    def __init__(self, what: str, ids: Sequence[UUID]) -> None:
        super().__init__(f"no such {what}: {', '.join(str(i) for i in ids)}")


@dataclass(frozen=True)
class PracticeView:
    """A practice as one reader sees it: the author, organisation and contact only where the label allows."""

    practice: Practice
    shows_author: bool
    organisation_name: str | None
    group_name: str | None


@dataclass(frozen=True)
class Search:
    text: str | None = None
    theme: Theme | None = None
    label: PracticeLabel | None = None
    group_id: UUID | None = None
    meeting_id: UUID | None = None
    report_id: UUID | None = None
    kpi_id: str | None = None


def _now() -> datetime:
    return datetime.now(UTC)


def reader_of(principal: Principal | None) -> Reader:
    if principal is None:
        return domain.ANONYMOUS
    return Reader(principal.person_id, principal.in_network, principal.is_network_admin, frozenset(principal.groups))


def visible(reader: Reader) -> ColumnElement[bool]:
    """The label's rule in SQL: what `reader` may read (domain.may_read, for many rows at once)."""
    live = practices.c.withdrawn_at.is_(None)
    if reader.network_admin:
        return live
    allowed: list[ColumnElement[bool]] = [practices.c.label == PracticeLabel.PUBLIC.value]
    if reader.in_network:
        allowed.append(practices.c.label.in_([PracticeLabel.NETWORK.value, PracticeLabel.CHATHAM_HOUSE.value]))
    if reader.groups:
        group_only = practices.c.label == PracticeLabel.GROUP.value
        allowed.append(and_(group_only, practices.c.group_id.in_(sorted(reader.groups))))
    if reader.person_id is not None:
        allowed.append(practices.c.author_id == reader.person_id)
    return and_(live, or_(*allowed))


def _event_state(p: Practice) -> dict[str, object]:
    hidden = p.label is PracticeLabel.CHATHAM_HOUSE
    return {
        "practice_id": p.id,
        "label": contracts.PracticeLabel(p.label.value),
        "group_id": p.group_id,
        "themes": [contracts.PracticeTheme(t.value) for t in p.themes],
        "title": None if p.label is PracticeLabel.GROUP else p.title,
        "author_id": None if hidden else p.author_id,
        "organisation_id": None if hidden else p.organisation_id,
    }


async def _check(session: AsyncSession, content: Content) -> None:
    if content.group_id is not None:
        group = await GROUPS.get(session, content.group_id)
        if group is None or group.archived:
            raise UnknownGroup(content.group_id)
    for what, table, ids in (("meeting", meetings, content.meeting_ids), ("report", reports, content.report_ids)):
        if ids:
            found = set(await session.scalars(select(table.c.id).where(table.c.id.in_(ids))))
            missing = [i for i in ids if i not in found]
            if missing:
                raise UnknownLinks(what, missing)


async def share(session: AsyncSession, content: Content, *, by: Principal) -> Practice:
    reader = reader_of(by)
    practice = domain.share(uuid4(), content, reader, by.org_id, _now())
    await _check(session, practice.content)
    event = contracts.PracticeShared(**_event_state(practice), shared_at=practice.shared_at)
    await PRACTICES.insert(session, [practice], events=[event])
    return practice


async def _live(session: AsyncSession, practice_id: UUID, reader: Reader, *, for_update: bool = False) -> Practice:
    practice = await PRACTICES.get(session, practice_id, for_update=for_update)
    if practice is None or not domain.may_read(reader, practice):
        raise PracticeNotFound(practice_id)
    return practice


async def edit(session: AsyncSession, practice_id: UUID, content: Content, *, by: Principal) -> Practice:
    reader = reader_of(by)
    practice = await _live(session, practice_id, reader, for_update=True)
    changed = domain.edit(practice, content, reader, _now())
    if changed is None:
        return practice
    await _check(session, changed.content)
    event = contracts.PracticeUpdated(**_event_state(changed), updated_at=changed.updated_at)
    fields = [f for f in PRACTICES.fields if f not in ("id", "author_id", "organisation_id", "shared_at")]
    await PRACTICES.update(session, changed, *fields, events=[event])
    return changed


async def withdraw(session: AsyncSession, practice_id: UUID, *, by: Principal) -> None:
    reader = reader_of(by)
    practice = await _live(session, practice_id, reader, for_update=True)
    gone = domain.withdraw(practice, reader, _now())
    event = contracts.PracticeWithdrawn(
        practice_id=gone.id,
        label=contracts.PracticeLabel(gone.label.value),
        group_id=gone.group_id,
        withdrawn_at=gone.withdrawn_at or _now(),
    )
    await PRACTICES.update(session, gone, "withdrawn_at", events=[event])


async def _views(session: AsyncSession, found: Sequence[Practice], reader: Reader) -> list[PracticeView]:
    org_ids = {p.organisation_id for p in found if p.organisation_id is not None}
    group_ids = {p.group_id for p in found if p.group_id is not None}
    names: dict[UUID, str] = {}
    if org_ids:
        rows = await session.execute(
            select(organisations.c.id, organisations.c.name).where(organisations.c.id.in_(org_ids))
        )
        names = {row[0]: row[1] for row in rows}
    group_names: dict[UUID, str] = {}
    if group_ids:
        rows = await session.execute(select(groups.c.id, groups.c.name).where(groups.c.id.in_(group_ids)))
        group_names = {row[0]: row[1] for row in rows}
    views = []
    for p in found:
        shown = domain.shows_author(reader, p)
        org = names.get(p.organisation_id) if shown and p.organisation_id else None
        views.append(PracticeView(p, shown, org, group_names.get(p.group_id) if p.group_id else None))
    return views


async def get(session: AsyncSession, practice_id: UUID, reader: Reader) -> PracticeView:
    practice = await _live(session, practice_id, reader)
    [view] = await _views(session, [practice], reader)
    return view


async def search(
    session: AsyncSession, reader: Reader, query: Search, *, limit: int, offset: int
) -> tuple[list[PracticeView], int]:
    """What `reader` may read that matches, best match first (newest first without words to search for)."""
    where = [visible(reader)]
    if query.theme is not None:
        where.append(practices.c.themes.contains([query.theme]))
    if query.label is not None:
        where.append(practices.c.label == query.label.value)
    if query.group_id is not None:
        where.append(practices.c.group_id == query.group_id)
    if query.meeting_id is not None:
        where.append(practices.c.meeting_ids.contains([query.meeting_id]))
    if query.report_id is not None:
        where.append(practices.c.report_ids.contains([query.report_id]))
    if query.kpi_id is not None:
        where.append(practices.c.kpi_ids.contains([query.kpi_id]))
    order = [practices.c.shared_at.desc(), practices.c.id]
    if query.text:
        dutch = func.websearch_to_tsquery(literal_column("'dutch'::regconfig"), query.text)
        simple = func.websearch_to_tsquery(literal_column("'simple'::regconfig"), query.text)
        words = dutch.op("||")(simple)
        # A query of stop words only is empty: it matches nothing rather than everything.
        where.append(func.numnode(words) > 0)
        where.append(practices.c.search.op("@@")(words))
        order.insert(0, func.ts_rank_cd(practices.c.search, words).desc())
    stmt = PRACTICES.select().where(*where).order_by(*order).limit(limit).offset(offset)
    found = await PRACTICES.all(session, stmt)
    total = await session.scalar(select(func.count()).select_from(practices).where(*where))
    return await _views(session, found, reader), total or 0


async def erase(session: AsyncSession, person_ids: Sequence[str], now: datetime) -> None:
    """PersonErased: their practices stay (the network's knowledge), without author and contact."""
    mine = practices.c.author_id.in_(person_ids)
    await session.execute(practices.update().where(mine).values(author_id=None, contact=""))
