"""The membership process: HTTP API and outbox relay (uvicorn --factory npd_membership.main:create_app)."""

from fastapi import FastAPI
from npd_contracts import EVENT_TYPES
from npd_runtime import ServiceSpec, create_service_app

from npd_membership.access import load_access, network_admins
from npd_membership.config import MembershipSettings, get_settings
from npd_membership.directory import api as directory
from npd_membership.groups import api as groups
from npd_membership.organisations import api as organisations
from npd_membership.people import api as people

# Membership publishes every membership event of the catalogue (organisation, person and group topics).
PUBLISHES = [cls for type_name, cls in EVENT_TYPES.items() if type_name.startswith("nl.npd.membership.")]
PROBLEMS = {**organisations.PROBLEMS, **people.PROBLEMS, **groups.PROBLEMS, **directory.PROBLEMS}
ROUTERS = [organisations.router, organisations.network, people.router, groups.router, directory.router]


def spec(settings: MembershipSettings) -> ServiceSpec:
    return ServiceSpec(
        name="membership",
        title="NPD membership",
        description="The network: organisations and their membership, people and their roles, groups.",
        settings=settings,
        routers=ROUTERS,
        publishes=PUBLISHES,
        problems=PROBLEMS,
        access=load_access,
        on_start=network_admins(settings.network_admins),
    )


def create_app(settings: MembershipSettings | None = None) -> FastAPI:
    return create_service_app(spec(settings or get_settings()))
