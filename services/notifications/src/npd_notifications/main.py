"""The notifications process: inbox API and event consumers (uvicorn --factory npd_notifications.main:create_app)."""

from fastapi import FastAPI
from npd_contracts import MemberJoined, PersonErased
from npd_runtime import ServiceSpec, create_service_app

from npd_notifications import handlers
from npd_notifications.api import PROBLEMS, router
from npd_notifications.config import NotificationsSettings, get_settings


def spec(settings: NotificationsSettings) -> ServiceSpec:
    return ServiceSpec(
        name="notifications",
        title="NPD notifications",
        description="Tells people what happens in the network: the in-app inbox.",
        settings=settings,
        routers=[router],
        # Who may read an inbox comes from the runtime's read model of membership's person events, whose
        # handlers run first; an erased person's notifications go too.
        handlers={MemberJoined: handlers.on_member_joined, PersonErased: handlers.on_person_erased},
        problems=PROBLEMS,
    )


def create_app(settings: NotificationsSettings | None = None) -> FastAPI:
    return create_service_app(spec(settings or get_settings()))
