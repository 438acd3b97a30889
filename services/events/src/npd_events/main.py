"""The events process (meetings and conferences): uvicorn --factory npd_events.main:create_app.

It runs with its own database, broker connection, health, readiness, metrics and AsyncAPI document;
its features (scheduling, registration, calendars) arrive in later issues.
"""

from fastapi import FastAPI
from npd_runtime import ServiceSpec, create_service_app

from npd_events.config import EventsSettings, get_settings


def create_app(settings: EventsSettings | None = None) -> FastAPI:
    return create_service_app(
        ServiceSpec(
            name="events",
            title="NPD events",
            description="Meetings and conferences of the network.",
            settings=settings or get_settings(),
        )
    )
