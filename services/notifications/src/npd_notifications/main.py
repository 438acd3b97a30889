"""The notifications process: inbox API and event consumers (uvicorn --factory npd_notifications.main:create_app)."""

from fastapi import FastAPI
from npd_contracts import MemberJoined
from npd_runtime.app import ServiceSpec, create_service_app
from npd_runtime.consumer import EventConsumer

from npd_notifications import handlers
from npd_notifications.api import router
from npd_notifications.config import NotificationsSettings, get_settings
from npd_notifications.models import processed_events

NAME = "notifications"


def create_app(settings: NotificationsSettings | None = None) -> FastAPI:
    settings = settings or get_settings()
    consumer = EventConsumer(name=NAME, processed_events=processed_events, max_attempts=settings.consumer_max_attempts)
    consumer.on(MemberJoined, handlers.on_member_joined)
    return create_service_app(
        ServiceSpec(
            name=NAME,
            title="NPD notifications",
            description="Tells people what happens in the network: the in-app inbox.",
            settings=settings,
            routers=[router],
            consumer=consumer,
        )
    )
