"""What the network tells people, and in which words; no I/O, no event contracts."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID


class Kind(StrEnum):
    WELCOME = "welcome"


@dataclass(frozen=True)
class Notification:
    id: UUID
    recipient_person_id: str
    kind: Kind
    title: str
    body: str
    organisation_id: UUID | None
    created_at: datetime | None = None
    read_at: datetime | None = None


@dataclass(frozen=True)
class NewMember:
    """An organisation became a member: what a welcome needs to know."""

    organisation_id: UUID
    name: str
    contact_person_id: str
    joined_at: datetime


# A welcome is news only for a while: replaying the topic (a new consumer group, a rebuilt database)
# must not greet organisations that joined long ago.
WELCOME_WINDOW = timedelta(days=14)


def welcome_is_due(member: NewMember, now: datetime) -> bool:
    return now - member.joined_at <= WELCOME_WINDOW


def welcome(notification_id: UUID, member: NewMember) -> Notification:
    """The welcome note for the contact of a newly admitted organisation."""
    return Notification(
        id=notification_id,
        recipient_person_id=member.contact_person_id,
        kind=Kind.WELCOME,
        title="Welcome to the Netwerk Publieke Dienstverleners",
        body=(
            f"{member.name} is now a member of the network. Your colleagues can join working groups and "
            "expert communities, register for meetings and take part in the annual benchmark."
        ),
        organisation_id=member.organisation_id,
    )
