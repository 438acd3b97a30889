"""The events process (meetings and conferences): uvicorn --factory npd_events.main:create_app.

Meetings, series, venues, guest-chair rotation and registrations; it reads membership's organisation, group and
person events into its own read models and reacts to departures and erasures.
"""

from fastapi import APIRouter, FastAPI
from npd_contracts import EventData
from npd_contracts import meetings as events
from npd_runtime import Problems, ServiceSpec, create_service_app

from npd_events.config import EventsSettings, get_settings
from npd_events.handlers import HANDLERS
from npd_events.meetings import api as meetings_api
from npd_events.meetings import venues_api
from npd_events.registrations import api as registrations_api
from npd_events.rotation import api as rotation_api
from npd_events.sweep import with_sweeper

ROUTERS: list[APIRouter] = [meetings_api.router, venues_api.router, registrations_api.router, rotation_api.router]
PROBLEMS: Problems = {
    **meetings_api.PROBLEMS,
    **venues_api.PROBLEMS,
    **registrations_api.PROBLEMS,
    **rotation_api.PROBLEMS,
}
PUBLISHES: list[type[EventData]] = [
    events.MeetingScheduled,
    events.MeetingRescheduled,
    events.MeetingChanged,
    events.MeetingCancelled,
    events.GuestChairAssigned,
    events.GuestChairDeclined,
    events.RegistrationConfirmed,
    events.Waitlisted,
    events.WaitlistOffered,
    events.WaitlistPromoted,
    events.RegistrationCancelled,
    events.AttendanceRecorded,
]


def spec(settings: EventsSettings) -> ServiceSpec:
    return ServiceSpec(
        name="events",
        title="NPD events",
        description="Meetings and conferences of the network.",
        settings=settings,
        routers=ROUTERS,
        # Who may do what comes from the runtime's read model of membership's person events, whose handlers
        # run first where both handle an event (PersonLeftGroup, PersonLeft, PersonErased).
        handlers=HANDLERS,
        publishes=PUBLISHES,
        problems=PROBLEMS,
    )


def create_app(settings: EventsSettings | None = None) -> FastAPI:
    return with_sweeper(create_service_app(spec(settings or get_settings())))
