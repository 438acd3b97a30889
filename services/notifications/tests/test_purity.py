"""The domain speaks its own language: no I/O, no event contracts, no framework."""

import npd_notifications.domain
from npd_devstack.purity import foreign_imports
from npd_notifications import (
    announcements_api,
    api,
    handlers,
    preferences,
    preferences_api,
    service,
    signing,
    webhook_calls,
    webhooks,
    webhooks_api,
)
from npd_notifications.main import PROBLEMS
from npd_runtime.problems import unmapped_errors


def test_the_domain_imports_only_the_standard_library() -> None:
    assert foreign_imports(npd_notifications.domain, allowed={"npd_notifications"}) == []
    assert foreign_imports(signing, allowed={"npd_notifications"}) == []


def test_every_error_the_service_can_raise_has_an_http_meaning() -> None:
    modules = [
        npd_notifications.domain,
        service,
        api,
        handlers,
        preferences,
        preferences_api,
        signing,
        webhooks,
        webhooks_api,
        webhook_calls,
        announcements_api,
    ]
    assert unmapped_errors(modules, PROBLEMS) == []
