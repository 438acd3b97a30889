"""HTTP models of the notifications API."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

from npd_runtime.validation import described
from pydantic import BaseModel

from npd_notifications.domain import Kind, Notification

NotificationKind = Annotated[
    Kind, described("What the notification is about: welcome (the recipient's organisation was admitted).")
]


class NotificationPublic(BaseModel):
    id: UUID
    kind: NotificationKind
    title: str
    body: str
    organisation_id: UUID | None
    created_at: datetime | None
    read_at: datetime | None

    @classmethod
    def of(cls, notification: Notification) -> "NotificationPublic":
        return cls.model_validate(notification, from_attributes=True)
