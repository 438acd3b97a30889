"""The domains speak their own language: no I/O, no event contracts, no framework; every error has an HTTP
meaning."""

import pytest
from npd_devstack.purity import foreign_imports
from npd_events import handlers, sweep
from npd_events.main import PROBLEMS
from npd_events.meetings import access, api, queries, recurrence, service, venues, venues_api
from npd_events.meetings import domain as meetings
from npd_events.network import domain as network
from npd_events.registrations import api as registrations_api
from npd_events.registrations import domain as registrations
from npd_events.registrations import service as registrations_service
from npd_events.rotation import api as rotation_api
from npd_events.rotation import domain as rotation
from npd_events.rotation import service as rotation_service
from npd_runtime.problems import unmapped_errors

DOMAINS = [meetings, network, registrations, rotation]


@pytest.mark.parametrize("domain", DOMAINS, ids=lambda m: m.__name__)
def test_each_domain_imports_only_the_standard_library(domain: object) -> None:
    assert foreign_imports(domain, allowed={"npd_events"}) == []  # type: ignore[arg-type]


def test_every_error_the_service_can_raise_has_an_http_meaning() -> None:
    modules = [*DOMAINS, access, api, queries, recurrence, service, venues, venues_api, handlers, sweep]
    modules += [registrations_api, registrations_service, rotation_api, rotation_service]
    assert unmapped_errors(modules, PROBLEMS) == []
