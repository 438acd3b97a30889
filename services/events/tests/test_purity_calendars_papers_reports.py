"""Calendars, papers and reports: their domains speak their own language (no I/O, no contracts, no framework)
and every error they can raise has an HTTP meaning."""

import pytest
from npd_devstack.purity import foreign_imports
from npd_events.calendars import api as calendars_api
from npd_events.calendars import domain as calendars
from npd_events.calendars import ical
from npd_events.calendars import service as calendars_service
from npd_events.main import PROBLEMS
from npd_events.papers import api as papers_api
from npd_events.papers import domain as papers
from npd_events.papers import service as papers_service
from npd_events.reports import api as reports_api
from npd_events.reports import domain as reports
from npd_events.reports import service as reports_service
from npd_runtime.problems import unmapped_errors

DOMAINS = [ical, calendars, papers, reports]


@pytest.mark.parametrize("domain", DOMAINS, ids=lambda m: m.__name__)
def test_each_domain_imports_only_the_standard_library(domain: object) -> None:
    assert foreign_imports(domain, allowed={"npd_events"}) == []  # type: ignore[arg-type]


def test_every_error_they_can_raise_has_an_http_meaning() -> None:
    modules = [*DOMAINS, calendars_service, calendars_api, papers_service, papers_api, reports_service, reports_api]
    assert unmapped_errors(modules, PROBLEMS) == []
