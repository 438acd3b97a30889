"""The membership process: HTTP API and outbox relay (uvicorn --factory npd_membership.main:create_app)."""

from fastapi import FastAPI
from npd_contracts import EVENT_TYPES
from npd_runtime import ServiceSpec, create_service_app

from npd_membership.access import ACCESS, network_admins
from npd_membership.config import MembershipSettings, get_settings
from npd_membership.directory import api as directory
from npd_membership.groups import api as groups
from npd_membership.mobility import api as mobility
from npd_membership.organisations import api as organisations
from npd_membership.people import api as people
from npd_membership.positions import api as positions
from npd_membership.sweep import with_sweeper

# Membership publishes every membership event of the catalogue (organisation, person and group topics).
PUBLISHES = [cls for type_name, cls in EVENT_TYPES.items() if type_name.startswith("nl.npd.membership.")]
PROBLEMS = {**organisations.PROBLEMS, **people.PROBLEMS, **groups.PROBLEMS, **directory.PROBLEMS}
PROBLEMS |= {**positions.PROBLEMS, **mobility.PROBLEMS}
ROUTERS = [organisations.router, organisations.network, people.router, groups.router, directory.router]
ROUTERS += [positions.router, positions.public, positions.mandates, mobility.router, mobility.mine]
# Published public positions are readable without logging in (the network speaks in public).
ANONYMOUS = ["/v1/public/"]


def spec(settings: MembershipSettings) -> ServiceSpec:
    return ServiceSpec(
        name="membership",
        title="NPD membership",
        description=(
            "The network: organisations and their membership, people and their roles, groups; joint positions "
            "and staff mobility."
        ),
        settings=settings,
        routers=ROUTERS,
        publishes=PUBLISHES,
        problems=PROBLEMS,
        access=ACCESS,
        on_start=network_admins(settings.network_admins),
        anonymous=ANONYMOUS,
    )


def create_app(settings: MembershipSettings | None = None) -> FastAPI:
    return with_sweeper(create_service_app(spec(settings or get_settings())))
