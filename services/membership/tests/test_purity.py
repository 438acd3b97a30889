"""The domain speaks its own language: no I/O, no event contracts, no framework."""

import pytest
from npd_devstack.purity import foreign_imports
from npd_membership.directory import api as directory_api
from npd_membership.directory import schemas as directory_schemas
from npd_membership.directory import service as directory_service
from npd_membership.groups import api as groups_api
from npd_membership.groups import domain as groups
from npd_membership.groups import queries as groups_queries
from npd_membership.groups import service as groups_service
from npd_membership.main import PROBLEMS
from npd_membership.organisations import api as organisations_api
from npd_membership.organisations import domain as organisations
from npd_membership.organisations import service as organisations_service
from npd_membership.people import api as people_api
from npd_membership.people import domain as people
from npd_membership.people import service as people_service
from npd_runtime.problems import unmapped_errors

DOMAINS = [organisations, people, groups]


@pytest.mark.parametrize("domain", DOMAINS, ids=lambda m: m.__name__)
def test_each_domain_imports_only_the_standard_library(domain: object) -> None:
    assert foreign_imports(domain, allowed={"npd_membership"}) == []  # type: ignore[arg-type]


def test_every_error_the_service_can_raise_has_an_http_meaning() -> None:
    modules = [*DOMAINS, organisations_service, organisations_api, people_service, people_api]
    modules += [groups_service, groups_queries, groups_api]
    modules += [directory_service, directory_api, directory_schemas]
    assert unmapped_errors(modules, PROBLEMS) == []
