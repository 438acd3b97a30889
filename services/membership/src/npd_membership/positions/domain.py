"""Joint positions ("one voice"), free of I/O and of the event contracts.

A working group or the board drafts a position: a title and a text, kept as numbered versions so that what
changed between two of them can be shown. It is circulated to the member organisations with a deadline;
each organisation's mandated person endorses it, endorses it with a remark, or abstains, and may change the
vote until the deadline (the last vote counts; every vote is kept). The owner publishes it (at any moment
once circulated; votes close at the deadline): the published position lists exactly the organisations whose
last vote was an endorsement, is frozen for good, and is public when the owner chooses so.
"""

import difflib
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from uuid import UUID


class PositionStatus(StrEnum):
    DRAFT = "draft"
    CIRCULATING = "circulating"
    PUBLISHED = "published"


class Vote(StrEnum):
    ENDORSE = "endorse"
    ENDORSE_WITH_REMARK = "endorse_with_remark"
    ABSTAIN = "abstain"


ENDORSING = frozenset({Vote.ENDORSE, Vote.ENDORSE_WITH_REMARK})


@dataclass(frozen=True)
class Position:
    id: UUID
    group_id: UUID
    title: str
    status: PositionStatus
    version: int
    public: bool
    created_by: str | None  # None once the drafter is erased
    created_at: datetime
    deadline: datetime | None = None
    circulated_at: datetime | None = None
    reminded_at: datetime | None = None
    published_at: datetime | None = None


@dataclass(frozen=True)
class PositionVersion:
    position_id: UUID
    number: int
    title: str
    text: str
    note: str  # what changed and why, in the author's words
    author_id: str | None  # None once the author is erased
    created_at: datetime


@dataclass(frozen=True)
class Ballot:
    """One vote of an organisation; its latest ballot is its vote."""

    position_id: UUID
    organisation_id: UUID
    vote: Vote
    remark: str
    version: int
    by_person_id: str | None  # None once that person is erased: the vote stays the organisation's
    cast_at: datetime


class PositionRefused(Exception):
    """The position's state does not allow this."""


class PositionFrozen(PositionRefused):
    def __init__(self, position: Position) -> None:
        super().__init__(f"position {position.id} is published and can no longer change")


class NotDraft(PositionRefused):
    def __init__(self, position: Position) -> None:
        super().__init__(f"position {position.id} is {position.status.value}, not a draft")


class NotCirculating(PositionRefused):
    def __init__(self, position: Position) -> None:
        super().__init__(f"position {position.id} is {position.status.value}: it is not out for endorsement")


class DeadlinePassed(PositionRefused):
    def __init__(self, position: Position) -> None:
        super().__init__(f"the deadline of position {position.id} ({position.deadline}) has passed")


class NotAddressed(PositionRefused):
    def __init__(self, position: Position, organisation_id: UUID) -> None:
        super().__init__(f"position {position.id} was not circulated to organisation {organisation_id}")


class BadDeadline(ValueError):
    def __init__(self, deadline: datetime) -> None:
        super().__init__(f"the deadline {deadline.isoformat()} is not in the future")


class RemarkRequired(ValueError):
    def __init__(self) -> None:
        super().__init__("an endorsement with a remark needs the remark (and a plain endorsement none)")


class NoSuchVersion(LookupError):
    def __init__(self, position_id: UUID, number: int) -> None:
        super().__init__(f"position {position_id} has no version {number}")


class NobodyToAsk(PositionRefused):
    def __init__(self) -> None:
        super().__init__("no organisation is a member of the network: there is nobody to circulate it to")


@dataclass(frozen=True)
class Drafted:
    position: Position
    version: PositionVersion


@dataclass(frozen=True)
class Revised:
    position: Position
    version: PositionVersion


@dataclass(frozen=True)
class Circulated:
    position: Position
    organisations: tuple[UUID, ...]


@dataclass(frozen=True)
class Voted:
    position: Position
    ballot: Ballot


@dataclass(frozen=True)
class Reminded:
    position: Position
    # Each organisation that has not voted, with who may vote for it.
    organisations: tuple[tuple[UUID, tuple[str, ...]], ...]


@dataclass(frozen=True)
class Published:
    position: Position
    endorsing: tuple[UUID, ...]


def _normal(title: str) -> str:
    return " ".join(title.split())


def _changeable(position: Position) -> None:
    if position.status is PositionStatus.PUBLISHED:
        raise PositionFrozen(position)


def draft(id: UUID, group_id: UUID, title: str, text: str, by: str, now: datetime) -> Drafted:
    position = Position(id, group_id, _normal(title), PositionStatus.DRAFT, 1, False, by, now)
    return Drafted(position, PositionVersion(id, 1, position.title, text, "", by, now))


def revise(position: Position, title: str, text: str, note: str, by: str, now: datetime) -> Revised:
    """A new version; votes cast so far stay, each with the version it was cast on."""
    _changeable(position)
    number = position.version + 1
    after = replace(position, title=_normal(title), version=number)
    return Revised(after, PositionVersion(position.id, number, after.title, text, note.strip(), by, now))


def circulate(position: Position, deadline: datetime, members: tuple[UUID, ...], now: datetime) -> Circulated:
    _changeable(position)
    if position.status is not PositionStatus.DRAFT:
        raise NotDraft(position)
    if deadline <= now:
        raise BadDeadline(deadline)
    if not members:
        raise NobodyToAsk()
    after = replace(position, status=PositionStatus.CIRCULATING, deadline=deadline, circulated_at=now)
    return Circulated(after, tuple(sorted(set(members))))


def vote(
    position: Position, addressed: bool, organisation_id: UUID, choice: Vote, remark: str, by: str, now: datetime
) -> Voted:
    """The organisation's vote, by the person mandated for it (checked by the caller); a later vote replaces
    an earlier one until the deadline."""
    _changeable(position)
    if position.status is not PositionStatus.CIRCULATING:
        raise NotCirculating(position)
    assert position.deadline is not None
    if now >= position.deadline:
        raise DeadlinePassed(position)
    if not addressed:
        raise NotAddressed(position, organisation_id)
    remark = remark.strip()
    if (choice is Vote.ENDORSE_WITH_REMARK) != bool(remark):
        raise RemarkRequired()
    return Voted(position, Ballot(position.id, organisation_id, choice, remark, position.version, by, now))


def remind(
    position: Position, silent: tuple[tuple[UUID, tuple[str, ...]], ...], lead_s: float, now: datetime
) -> Reminded | None:
    """Once per position, when the deadline is within `lead_s`: the organisations that have not voted."""
    if position.status is not PositionStatus.CIRCULATING or position.reminded_at is not None:
        return None
    assert position.deadline is not None
    if not now < position.deadline or (position.deadline - now).total_seconds() > lead_s:
        return None
    return Reminded(replace(position, reminded_at=now), silent)


def publish(position: Position, votes: tuple[Ballot, ...], public: bool, now: datetime) -> Published:
    """`votes`: each organisation's latest ballot. Only organisations that were asked have one."""
    _changeable(position)
    if position.status is not PositionStatus.CIRCULATING:
        raise NotCirculating(position)
    endorsing = tuple(sorted(b.organisation_id for b in votes if b.vote in ENDORSING))
    return Published(replace(position, status=PositionStatus.PUBLISHED, public=public, published_at=now), endorsing)


def diff(older: PositionVersion, newer: PositionVersion) -> str:
    """What changed from one version to another, as a unified diff of their titles and texts."""
    before = [f"# {older.title}", "", *older.text.splitlines()]
    after = [f"# {newer.title}", "", *newer.text.splitlines()]
    lines = difflib.unified_diff(
        before, after, fromfile=f"version {older.number}", tofile=f"version {newer.number}", lineterm=""
    )
    return "\n".join(lines)
