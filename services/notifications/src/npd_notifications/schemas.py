"""HTTP models of the notifications API (never the event contracts)."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated
from uuid import UUID
from zoneinfo import available_timezones

from npd_runtime.validation import Text, described
from pydantic import AnyHttpUrl, BaseModel, Field, model_validator

from npd_notifications.domain import Cadence, Category, Channel, Notification
from npd_notifications.handlers import webhook_events

CategoryName = Annotated[
    Category,
    described(
        "What a notification is about: account (your own access; critical, cannot be switched off), membership, "
        "groups, announcements, meetings, benchmark, or network (news for everyone: network-wide meetings and "
        "calls for papers; by e-mail in a weekly digest unless chosen otherwise)."
    ),
]
CadenceName = Annotated[
    Cadence,
    described("When you hear of it: immediate, in a daily or weekly digest (e-mail only), or off."),
]
ChannelName = Annotated[Channel, described("Where you hear of it: by e-mail or in the in-app inbox.")]


class InboxCadence(StrEnum):
    IMMEDIATE = "immediate"
    OFF = "off"


InboxCadenceName = Annotated[InboxCadence, described("The inbox shows notifications at once (immediate) or not (off).")]

# Every IANA zone the tzdata package knows, so the document says which names are accepted.
TimeZone = StrEnum("TimeZone", {zone: zone for zone in sorted(available_timezones())})  # type: ignore[misc]
TimeZoneName = Annotated[TimeZone, described("An IANA time zone, e.g. Europe/Amsterdam.")]

# The CloudEvents types a webhook may subscribe to: every event this service reads but contact changes.
WebhookEventType = StrEnum(  # type: ignore[misc]
    "WebhookEventType", {cls.__name__: cls.TYPE for cls in webhook_events()}
)
WebhookEventTypeName = Annotated[
    WebhookEventType, described("A CloudEvents type from the event catalogue (contracts/README.md).")
]


class NotificationPublic(BaseModel):
    id: UUID
    kind: str = Field(description="The rule that made it, e.g. member_joined.welcome, or announcement.")
    category: str | None
    title: str
    body: str
    organisation_id: UUID | None
    created_at: datetime | None
    read_at: datetime | None
    archived_at: datetime | None

    @classmethod
    def of(cls, notification: Notification) -> "NotificationPublic":
        return cls.model_validate(notification, from_attributes=True)


class UnreadCount(BaseModel):
    unread: int


class MarkedRead(BaseModel):
    marked: int = Field(description="How many notifications were unread and are read now.")


# -- preferences -------------------------------------------------------------------------------------------


class CategoryPreference(BaseModel):
    category: CategoryName
    critical: bool = Field(description="Critical categories cannot be switched off.")
    email: CadenceName
    inbox: InboxCadenceName


class PreferencesPublic(BaseModel):
    time_zone: str = Field(description="IANA time zone in which digests are sent, e.g. Europe/Amsterdam.")
    categories: list[CategoryPreference]


class PreferenceChange(BaseModel):
    email: CadenceName | None = None
    inbox: InboxCadenceName | None = None


class TimeZoneChange(BaseModel):
    time_zone: TimeZoneName


class Unsubscribed(BaseModel):
    category: str
    email: CadenceName


# -- webhooks ----------------------------------------------------------------------------------------------


class WebhookCreate(BaseModel):
    url: AnyHttpUrl = Field(description="Where events are POSTed (http or https; no internal addresses).")
    event_types: list[WebhookEventTypeName] = Field(min_length=1, max_length=50, description="Event types to receive.")
    organisation_id: UUID | None = Field(
        None, description="The organisation whose events it receives (its org admins manage it); none: network-wide."
    )
    description: Text = Field("", max_length=300)

    @model_validator(mode="after")
    def _url_length(self) -> "WebhookCreate":
        if len(str(self.url)) > 2000:
            raise ValueError("url is longer than 2000 characters")
        return self


class WebhookPublic(BaseModel):
    id: UUID
    url: str
    event_types: list[str]
    organisation_id: UUID | None
    description: str
    enabled: bool
    consecutive_failures: int
    disabled_at: datetime | None
    created_at: datetime | None
    previous_secret_until: datetime | None


class WebhookWithSecret(WebhookPublic):
    secret: str = Field(description="whsec_...: verify the webhook-signature header with it. Shown only now.")


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


DeliveryStatusName = Annotated[
    DeliveryStatus, described("pending (to be sent or retried), sent (2xx received) or failed (given up).")
]


class WebhookDeliveryPublic(BaseModel):
    id: UUID = Field(description="Also the webhook-id header of each call.")
    event_type: str | None
    source_event_id: str
    status: DeliveryStatusName
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    response_status: int | None
    created_at: datetime
    finished_at: datetime | None


# -- announcements -----------------------------------------------------------------------------------------


class AnnouncementCreate(BaseModel):
    id: UUID | None = Field(
        None, description="Chosen by the client to make a retry safe: an announcement with a known id adds nothing."
    )
    title_nl: Text = Field(min_length=1, max_length=300)
    body_nl: Text = Field(min_length=1, max_length=10_000)
    title_en: Text = Field(min_length=1, max_length=300)
    body_en: Text = Field(min_length=1, max_length=10_000)


class AnnouncementPublic(BaseModel):
    id: UUID
    inbox_items: int
    mails: int
