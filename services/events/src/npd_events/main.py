"""The events process (meetings and conferences): uvicorn --factory npd_events.main:create_app.

Meetings, series, venues, guest-chair rotation and registrations; calendar feeds, calls for papers and the
conference programme, reports and the public listings; it reads membership's organisation, group and
person events into its own read models and reacts to departures and erasures.
"""

from fastapi import APIRouter, FastAPI
from npd_contracts import EventData, pilots, practices
from npd_contracts import meetings as events
from npd_runtime import Problems, ServiceSpec, create_service_app

from npd_events.calendars import api as calendars_api
from npd_events.config import EventsSettings, get_settings
from npd_events.handlers import HANDLERS
from npd_events.meetings import api as meetings_api
from npd_events.meetings import venues_api
from npd_events.papers import api as papers_api
from npd_events.pilots import api as pilots_api
from npd_events.practices import api as practices_api
from npd_events.registrations import api as registrations_api
from npd_events.reports import api as reports_api
from npd_events.rotation import api as rotation_api
from npd_events.sweep import with_sweeper

ROUTERS: list[APIRouter] = [meetings_api.router, venues_api.router, registrations_api.router, rotation_api.router]
ROUTERS += [calendars_api.router, papers_api.router, papers_api.papers, reports_api.router, reports_api.public]
ROUTERS += [practices_api.router, practices_api.public, pilots_api.router]
PROBLEMS: Problems = {
    **meetings_api.PROBLEMS,
    **venues_api.PROBLEMS,
    **registrations_api.PROBLEMS,
    **rotation_api.PROBLEMS,
    **calendars_api.PROBLEMS,
    **papers_api.PROBLEMS,
    **reports_api.PROBLEMS,
    **practices_api.PROBLEMS,
    **pilots_api.PROBLEMS,
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
    events.ReportPublished,
    events.CallForPapersOpened,
    events.CallForPapersClosed,
    events.PaperSubmitted,
    events.PaperDecided,
    events.ProgrammePublished,
    practices.PracticeShared,
    practices.PracticeUpdated,
    practices.PracticeWithdrawn,
    pilots.PilotRegistered,
    pilots.PilotUpdated,
    pilots.PilotFollowed,
    pilots.PilotUnfollowed,
    pilots.PilotAdoptionChanged,
]
# Public listings (no login: the network's open-government duty) and calendar feeds, whose secret URL is the
# credential because calendar clients cannot send bearer tokens.
ANONYMOUS = ["/v1/public/", "/v1/calendar/feeds/"]


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
        anonymous=ANONYMOUS,
    )


def create_app(settings: EventsSettings | None = None) -> FastAPI:
    return with_sweeper(create_service_app(spec(settings or get_settings())))
