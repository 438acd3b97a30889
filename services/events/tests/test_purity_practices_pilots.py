"""The practices and pilots domains speak their own language, and every error they can raise has an HTTP
meaning."""

import pytest
from npd_devstack.purity import foreign_imports
from npd_events.main import PROBLEMS
from npd_events.pilots import api as pilots_api
from npd_events.pilots import domain as pilots
from npd_events.pilots import service as pilots_service
from npd_events.practices import api as practices_api
from npd_events.practices import domain as practices
from npd_events.practices import service as practices_service
from npd_runtime.problems import unmapped_errors


@pytest.mark.parametrize("domain", [practices, pilots], ids=lambda m: m.__name__)
def test_each_domain_imports_only_the_standard_library(domain: object) -> None:
    assert foreign_imports(domain, allowed={"npd_events"}) == []  # type: ignore[arg-type]


def test_every_error_has_an_http_meaning() -> None:
    modules = [practices, pilots, practices_api, pilots_api, practices_service, pilots_service]
    assert unmapped_errors(modules, PROBLEMS) == []
