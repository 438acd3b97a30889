"""HTTP models of the notifications API."""

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel

from npd_notifications.domain import Kind, Notification


class NotificationPublic(BaseModel):
    id: UUID
    kind: Kind
    title: str
    body: str
    organisation_id: UUID | None
    created_at: datetime | None
    read_at: datetime | None

    @classmethod
    def of(cls, notification: Notification) -> "NotificationPublic":
        return cls.model_validate(notification, from_attributes=True)
