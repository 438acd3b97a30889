"""What the network tells whom, in which words, and when: pure rules, no I/O, no event contracts, no clock."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID, uuid5


class Category(StrEnum):
    """What a notification is about; people choose per category how (and whether) they hear of it."""

    ACCOUNT = "account"
    MEMBERSHIP = "membership"
    GROUPS = "groups"
    ANNOUNCEMENTS = "announcements"
    MEETINGS = "meetings"
    BENCHMARK = "benchmark"
    NETWORK = "network"  # news for everyone: network-wide meetings, calls for papers


# What someone must hear of, whatever they chose: their own access to the network changed.
CRITICAL = frozenset({Category.ACCOUNT})


class Channel(StrEnum):
    """Where a person hears of it: by e-mail or in the in-app inbox."""

    EMAIL = "email"
    INBOX = "inbox"


class Cadence(StrEnum):
    """At once, collected in a daily or weekly digest, or not at all."""

    IMMEDIATE = "immediate"
    DAILY = "daily"
    WEEKLY = "weekly"
    OFF = "off"


DEFAULT_TIME_ZONE = "Europe/Amsterdam"
DIGESTS = (Cadence.DAILY, Cadence.WEEKLY)

# What a person hears by e-mail until they choose: at once, except news sent to the whole network (every
# network meeting and call for papers to 200,000 people), which is collected in a weekly digest.
EMAIL_DEFAULTS = {Category.NETWORK: Cadence.WEEKLY}


def default_cadence(category: Category, channel: Channel) -> Cadence:
    return EMAIL_DEFAULTS.get(category, Cadence.IMMEDIATE) if channel is Channel.EMAIL else Cadence.IMMEDIATE


class CriticalCategory(ValueError):
    def __init__(self, category: Category) -> None:
        super().__init__(f"{category.value} notifications are critical and cannot be switched off")


class NoInboxDigest(ValueError):
    def __init__(self) -> None:
        super().__init__("the inbox shows notifications at once or not at all: choose immediate or off")


def check_preference(category: Category, channel: Channel, cadence: Cadence) -> None:
    """A person may choose any cadence, except off for a critical category and a digest for the inbox."""
    if cadence is Cadence.OFF and category in CRITICAL:
        raise CriticalCategory(category)
    if channel is Channel.INBOX and cadence in DIGESTS:
        raise NoInboxDigest()


@dataclass(frozen=True)
class Audience:
    """Who a notification is for, described without looking anyone up: the union of the people named,
    the holders of `roles` (within `organisation` if given, else anywhere), everyone of `organisation`
    (when no roles are given), the members of `groups` and of groups of `group_kinds` (only those with a
    `group_roles` role when given), or everyone; less those `excluded`. From the small read models of
    other services' events: those the `meeting` is for when it is a group's or the board's, those with a
    place at `registered_for` (and those on its waitlist if `waitlist`), the submitter of `paper_of`,
    (with `roles`) the role holders of the organisations invited to the benchmark cycle `invited_to`, and
    the followers of the pilot `followers_of`."""

    people: tuple[str, ...] = ()
    organisation: UUID | None = None
    roles: tuple[str, ...] = ()
    groups: tuple[UUID, ...] = ()
    group_kinds: tuple[str, ...] = ()
    group_roles: tuple[str, ...] = ()
    everyone: bool = False
    excluded: tuple[str, ...] = ()
    meeting: UUID | None = None
    registered_for: UUID | None = None
    waitlist: bool = False
    paper_of: UUID | None = None
    invited_to: UUID | None = None
    followers_of: UUID | None = None


@dataclass(frozen=True)
class Template:
    """A title and a body in Dutch and English, with `{name}` placeholders."""

    title_nl: str
    body_nl: str
    title_en: str
    body_en: str


@dataclass(frozen=True)
class Message:
    """One rule's words for one event, in both languages, before anyone is chosen to receive it."""

    id: UUID
    source_event_id: str
    rule: str
    category: Category
    title_nl: str
    body_nl: str
    title_en: str
    body_en: str
    occurred_at: datetime
    about_person_id: str | None = None
    organisation_id: UUID | None = None


@dataclass(frozen=True)
class Notification:
    """An item of a person's in-app inbox."""

    id: UUID
    recipient_person_id: str
    kind: str  # the rule that made it
    title: str
    body: str
    organisation_id: UUID | None
    category: str | None = None
    message_id: UUID | None = None
    created_at: datetime | None = None
    read_at: datetime | None = None
    archived_at: datetime | None = None


_MESSAGES = UUID("5b8f0a3e-7c1d-4f7e-9a43-0e6d2b1c9f10")


def message_id(source_event_id: str, rule: str) -> UUID:
    """One message per event and rule, whatever the redeliveries and replays."""
    return uuid5(_MESSAGES, f"{rule}:{source_event_id}")


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "?"


def render(template: Template, params: dict[str, str]) -> tuple[str, str, str, str]:
    """Title and body in Dutch and English; a placeholder without a value shows as `?`, never an error."""
    values = _Blank(params)
    return (
        template.title_nl.format_map(values),
        template.body_nl.format_map(values),
        template.title_en.format_map(values),
        template.body_en.format_map(values),
    )


# Old news is no news: replaying a topic (a new consumer group, a rebuilt database) must not tell people
# today what happened months ago.
NEWS_WINDOW = timedelta(days=14)


def is_news(occurred_at: datetime, now: datetime) -> bool:
    return now - occurred_at <= NEWS_WINDOW


def is_english(language: str | None) -> bool:
    return (language or "nl").lower().startswith("en")


# -- retries ---------------------------------------------------------------------------------------------


def backoff(attempts: int, first: timedelta, most: timedelta) -> timedelta:
    """The wait before the next attempt: doubling from `first`, at most `most`."""
    wait: timedelta = first * (2 ** max(0, attempts - 1))
    return min(wait, most)


# -- digests ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DigestItem:
    title: str
    body: str
    occurred_at: datetime


@dataclass(frozen=True)
class Digest:
    cadence: Cadence
    period_start: datetime  # local midnight (of the day, or of Monday) in the person's time zone
    items: tuple[DigestItem, ...] = field(default_factory=tuple)


_DIGESTS = UUID("9d7e3c41-2b6a-4f55-8e0c-51a4f3d2b7aa")


def digest_id(person_id: str, cadence: Cadence, period_start: datetime, first: UUID) -> UUID:
    """One digest per person, period and first held mail, however often the digest loop runs."""
    return uuid5(_DIGESTS, f"{person_id}:{cadence.value}:{period_start.date().isoformat()}:{first}")


def render_digest(digest: Digest, english: bool) -> tuple[str, str]:
    """A digest's title and plain-text body, newest last."""
    count = len(digest.items)
    if english:
        period = "daily" if digest.cadence is Cadence.DAILY else "weekly"
        title = f"Your {period} NPD digest: {count} notification{'s' if count != 1 else ''}"
    else:
        period = "dagelijks" if digest.cadence is Cadence.DAILY else "wekelijks"
        title = f"Uw {period} NPD-overzicht: {count} bericht{'en' if count != 1 else ''}"
    body = "\n\n".join(f"* {item.title}\n  {item.body}" for item in digest.items)
    return title, body
