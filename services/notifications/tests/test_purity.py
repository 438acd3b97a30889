"""The domain speaks its own language: no I/O, no event contracts, no framework."""

import npd_notifications.domain
from npd_devstack.purity import foreign_imports
from npd_notifications import api, handlers, service
from npd_notifications.api import PROBLEMS
from npd_runtime.problems import unmapped_errors


def test_the_domain_imports_only_the_standard_library() -> None:
    assert foreign_imports(npd_notifications.domain, allowed={"npd_notifications"}) == []


def test_every_error_the_service_can_raise_has_an_http_meaning() -> None:
    assert unmapped_errors([npd_notifications.domain, service, api, handlers], PROBLEMS) == []
