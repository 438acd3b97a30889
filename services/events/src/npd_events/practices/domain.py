"""Practices, free of I/O and of the event contracts.

A person of the network shares a practice: what was tried, what worked, what failed, the lessons and whom to
contact, tagged by themes and linked to meetings, reports and benchmark KPIs. Its label says who reads it:

- public: anyone, without login;
- network: every person of a member organisation;
- group: the members of one named group (and its author, and network admins, who moderate);
- chatham_house: the network reads the content, but who shared it, their organisation and the contact are
  hidden from every reader except the author and network admins.

Only the author edits; the author or a network admin withdraws, after which nobody reads or finds it. A
practice never becomes Chatham House after it was shared under another label: its earlier events and
notifications named the author already, so the label would promise what it cannot keep.
"""

import re
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from uuid import UUID


class PracticeLabel(StrEnum):
    PUBLIC = "public"
    NETWORK = "network"
    GROUP = "group"
    CHATHAM_HOUSE = "chatham_house"


class Theme(StrEnum):
    AUDIT = "audit"
    HR = "hr"
    COMPLIANCE = "compliance"
    SERVICE_DELIVERY = "service_delivery"
    DATA_SHARING = "data_sharing"
    INFORMATION_SECURITY = "information_security"
    PRIVACY = "privacy"
    DIGITAL_TRANSFORMATION = "digital_transformation"
    PROCUREMENT = "procurement"
    FINANCE = "finance"
    COMMUNICATION = "communication"
    OTHER = "other"


KPI_ID = re.compile(r"^[a-z][a-z0-9_]{0,59}$")  # the benchmark's KPI ids


@dataclass(frozen=True)
class Reader:
    """Who reads: nobody (anonymous), or a person with what membership's data says of them."""

    person_id: str | None = None
    in_network: bool = False
    network_admin: bool = False
    groups: frozenset[UUID] = frozenset()


ANONYMOUS = Reader()


@dataclass(frozen=True)
class Content:
    title: str
    tried: str
    worked: str
    failed: str
    lessons: str
    contact: str
    themes: tuple[Theme, ...]
    label: PracticeLabel
    group_id: UUID | None
    meeting_ids: tuple[UUID, ...]
    report_ids: tuple[UUID, ...]
    kpi_ids: tuple[str, ...]


@dataclass(frozen=True)
class Practice:
    id: UUID
    title: str
    tried: str
    worked: str
    failed: str
    lessons: str
    contact: str
    themes: tuple[Theme, ...]
    label: PracticeLabel
    group_id: UUID | None
    meeting_ids: tuple[UUID, ...]
    report_ids: tuple[UUID, ...]
    kpi_ids: tuple[str, ...]
    author_id: str | None  # None once erased
    organisation_id: UUID | None  # the author's organisation when shared; None for network staff
    shared_at: datetime
    updated_at: datetime
    withdrawn_at: datetime | None

    @property
    def content(self) -> Content:
        return Content(
            self.title,
            self.tried,
            self.worked,
            self.failed,
            self.lessons,
            self.contact,
            self.themes,
            self.label,
            self.group_id,
            self.meeting_ids,
            self.report_ids,
            self.kpi_ids,
        )


class PracticeRefused(ValueError):
    """The content or the change is not acceptable."""


class GroupLabelNeedsGroup(PracticeRefused):
    def __init__(self) -> None:
        super().__init__("a practice labelled group names the group it is shared with (group_id)")


class GroupWithoutGroupLabel(PracticeRefused):
    def __init__(self, label: PracticeLabel) -> None:
        super().__init__(f"only a practice labelled group names a group; this one is labelled {label.value}")


class NotInGroup(PermissionError):
    def __init__(self, group_id: UUID) -> None:
        super().__init__(f"only members of group {group_id} share practices with it")


class BadKpi(PracticeRefused):
    def __init__(self, kpi_id: str) -> None:
        super().__init__(f"{kpi_id!r} is not a benchmark KPI id (lower case letters, digits and _)")


class CannotBecomeChathamHouse(Exception):
    def __init__(self, practice_id: UUID, label: PracticeLabel) -> None:
        super().__init__(
            f"practice {practice_id} was shared under the label {label.value}, which named its author: it cannot "
            "become chatham_house (withdraw it and share it again under that label)"
        )


class NotTheAuthor(PermissionError):
    def __init__(self, practice_id: UUID, withdraw: bool = False) -> None:
        who = "its author and network admins withdraw" if withdraw else "only its author edits"
        super().__init__(f"practice {practice_id}: {who} it")


def _clean(content: Content) -> Content:
    if content.label is PracticeLabel.GROUP and content.group_id is None:
        raise GroupLabelNeedsGroup()
    if content.label is not PracticeLabel.GROUP and content.group_id is not None:
        raise GroupWithoutGroupLabel(content.label)
    for kpi in content.kpi_ids:
        if not KPI_ID.match(kpi):
            raise BadKpi(kpi)
    return replace(
        content,
        title=" ".join(content.title.split()),
        tried=content.tried.strip(),
        worked=content.worked.strip(),
        failed=content.failed.strip(),
        lessons=content.lessons.strip(),
        contact=" ".join(content.contact.split()),
        themes=tuple(dict.fromkeys(content.themes)),
        meeting_ids=tuple(dict.fromkeys(content.meeting_ids)),
        report_ids=tuple(dict.fromkeys(content.report_ids)),
        kpi_ids=tuple(dict.fromkeys(content.kpi_ids)),
    )


def share(id: UUID, content: Content, reader: Reader, organisation_id: UUID | None, now: datetime) -> Practice:
    """A new practice by `reader` (a person of the network: the caller checks)."""
    content = _clean(content)
    if content.group_id is not None and not (content.group_id in reader.groups or reader.network_admin):
        raise NotInGroup(content.group_id)
    return Practice(
        id,
        **vars(content),
        author_id=reader.person_id,
        organisation_id=organisation_id,
        shared_at=now,
        updated_at=now,
        withdrawn_at=None,
    )


def edit(practice: Practice, content: Content, reader: Reader, now: datetime) -> Practice | None:
    """The practice as its author changed it; None when nothing changed."""
    if practice.author_id is None or practice.author_id != reader.person_id:
        raise NotTheAuthor(practice.id)
    content = _clean(content)
    if content.label is PracticeLabel.CHATHAM_HOUSE and practice.label is not PracticeLabel.CHATHAM_HOUSE:
        raise CannotBecomeChathamHouse(practice.id, practice.label)
    moved = content.group_id is not None and content.group_id != practice.group_id
    if moved and content.group_id not in reader.groups and not reader.network_admin:
        raise NotInGroup(content.group_id)  # type: ignore[arg-type]
    if content == practice.content:
        return None
    return replace(practice, **vars(content), updated_at=now)


def withdraw(practice: Practice, reader: Reader, now: datetime) -> Practice:
    mine = practice.author_id is not None and practice.author_id == reader.person_id
    if not (mine or reader.network_admin):
        raise NotTheAuthor(practice.id, withdraw=True)
    return replace(practice, withdrawn_at=now)


def may_read(reader: Reader, practice: Practice) -> bool:
    """The label's rule (the service's SQL filter says the same; tests hold both to it)."""
    if practice.withdrawn_at is not None:
        return False
    if practice.label is PracticeLabel.PUBLIC or reader.network_admin:
        return True
    if reader.person_id is not None and practice.author_id == reader.person_id:
        return True
    if practice.label is PracticeLabel.GROUP:
        return practice.group_id is not None and practice.group_id in reader.groups
    return reader.in_network


def shows_author(reader: Reader, practice: Practice) -> bool:
    """Whether the reader learns who shared it, their organisation and the contact."""
    if practice.label is not PracticeLabel.CHATHAM_HOUSE:
        return True
    return reader.network_admin or (reader.person_id is not None and practice.author_id == reader.person_id)


def erase(practice: Practice) -> Practice:
    """PersonErased: the practice stays (it is the network's knowledge), without its author and contact."""
    return replace(practice, author_id=None, contact="")
