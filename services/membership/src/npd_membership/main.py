"""The membership process: HTTP API and outbox relay (uvicorn --factory npd_membership.main:create_app)."""

from fastapi import FastAPI
from npd_contracts import MemberJoined, MemberLeft, OrganisationApplied
from npd_runtime import ServiceSpec, create_service_app

from npd_membership.api import PROBLEMS, router
from npd_membership.config import MembershipSettings, get_settings


def spec(settings: MembershipSettings) -> ServiceSpec:
    return ServiceSpec(
        name="membership",
        title="NPD membership",
        description="Organisations of the network: applications, admissions and departures.",
        settings=settings,
        routers=[router],
        publishes=[OrganisationApplied, MemberJoined, MemberLeft],
        problems=PROBLEMS,
    )


def create_app(settings: MembershipSettings | None = None) -> FastAPI:
    return create_service_app(spec(settings or get_settings()))
