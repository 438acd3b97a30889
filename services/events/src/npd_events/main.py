"""The events process (meetings and conferences): uvicorn --factory npd_events.main:create_app.

It runs with its own database, broker connection, health, readiness, metrics and AsyncAPI document.
"""

from fastapi import FastAPI
from npd_contracts import EventData, PersonErased
from npd_contracts import meetings as contracts
from npd_runtime import Handler, ServiceSpec, create_service_app

from npd_events.calendars import api as calendars
from npd_events.config import EventsSettings, get_settings
from npd_events.papers import api as papers
from npd_events.papers import handlers as papers_handlers
from npd_events.reports import api as reports

PUBLISHES: list[type[EventData]] = [
    contracts.CallForPapersOpened,
    contracts.CallForPapersClosed,
    contracts.PaperSubmitted,
    contracts.PaperDecided,
    contracts.ProgrammePublished,
    contracts.ReportPublished,
]
PROBLEMS = {**calendars.PROBLEMS, **papers.PROBLEMS, **reports.PROBLEMS}
ROUTERS = [calendars.router, papers.router, papers.papers, reports.router, reports.public]
# Public listings (no login: the network's open-government duty) and calendar feeds, whose secret URL is the
# credential because calendar clients cannot send bearer tokens.
ANONYMOUS = ["/v1/public/", "/v1/calendar/feeds/"]
HANDLERS: dict[type[EventData], Handler] = {PersonErased: papers_handlers.on_person_erased}


def spec(settings: EventsSettings) -> ServiceSpec:
    return ServiceSpec(
        name="events",
        title="NPD events",
        description="Meetings and conferences of the network: calendars, calls for papers, reports.",
        settings=settings,
        routers=ROUTERS,
        publishes=PUBLISHES,
        problems=PROBLEMS,
        handlers=HANDLERS,
        anonymous=ANONYMOUS,
    )


def create_app(settings: EventsSettings | None = None) -> FastAPI:
    return create_service_app(spec(settings or get_settings()))
