"""Delivery facts published by the notifications service (topic npd.notifications.delivery, keyed by
delivery id): what was delivered or given up on, through which channel, for audit. Never a message body and
never an address: a person is named by id, a webhook endpoint by its subscription id.
"""

from datetime import datetime
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from npd_contracts.base import EventData
from npd_contracts.topics import NOTIFICATIONS_DELIVERY, Topic


class Channel(StrEnum):
    """How a notification travels: e-mail to a person, or a signed HTTP call to a webhook endpoint."""

    EMAIL = "email"
    WEBHOOK = "webhook"


class FailureReason(StrEnum):
    """Why a delivery was given up: the address was refused (bounce), the target was refused by the
    server-side request forgery guard, the receiver kept failing, or the recipient has no address."""

    BOUNCED = "bounced"
    FORBIDDEN_TARGET = "forbidden_target"
    RETRIES_EXHAUSTED = "retries_exhausted"
    NO_ADDRESS = "no_address"


class _DeliveryEvent(EventData):
    TOPIC: ClassVar[Topic] = NOTIFICATIONS_DELIVERY
    SUBJECT_FIELD: ClassVar[str] = "delivery_id"

    delivery_id: UUID = Field(description="The delivery (also the Message-ID of a mail, the webhook-id of a call).")
    source_event_id: str = Field(max_length=64, description="The event (or announcement) that caused it.")
    channel: Channel
    recipient: str = Field(max_length=255, description="A person id (e-mail) or a webhook subscription id.")
    attempts: int = Field(ge=1)


class NotificationDelivered(_DeliveryEvent):
    """A mail was accepted by the mail server, or a webhook endpoint answered 2xx."""

    TYPE: ClassVar[str] = "nl.npd.notifications.notification-delivered.v1"

    delivered_at: datetime


class NotificationFailed(_DeliveryEvent):
    """A delivery was given up; nothing more will be tried unless someone redelivers it."""

    TYPE: ClassVar[str] = "nl.npd.notifications.notification-failed.v1"

    reason: FailureReason
    failed_at: datetime


class WebhookEndpointDisabled(EventData):
    """A webhook endpoint failed too many times in a row and gets nothing until its owner re-enables it."""

    TYPE: ClassVar[str] = "nl.npd.notifications.webhook-endpoint-disabled.v1"
    TOPIC: ClassVar[Topic] = NOTIFICATIONS_DELIVERY
    SUBJECT_FIELD: ClassVar[str] = "subscription_id"

    subscription_id: UUID
    organisation_id: UUID | None = Field(description="The owning organisation; none for a network subscription.")
    consecutive_failures: int = Field(ge=1)
    disabled_at: datetime
