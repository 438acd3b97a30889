"""The domain speaks its own language: no I/O, no event contracts, no framework; and every error the service
can raise has an HTTP meaning."""

import pytest
from npd_benchmark.actions import api as actions_api
from npd_benchmark.actions import domain as actions
from npd_benchmark.actions import service as actions_service
from npd_benchmark.catalogue import api as catalogue_api
from npd_benchmark.catalogue import domain as catalogue
from npd_benchmark.catalogue import service as catalogue_service
from npd_benchmark.cycles import api as cycles_api
from npd_benchmark.cycles import domain as cycles
from npd_benchmark.cycles import service as cycles_service
from npd_benchmark.cycles import submissions, uploads
from npd_benchmark.main import PROBLEMS
from npd_benchmark.reports import charts, render
from npd_benchmark.results import api as results_api
from npd_benchmark.results import disclosure, publication, statistics
from npd_benchmark.results import service as results_service
from npd_devstack.purity import foreign_imports
from npd_runtime.problems import Problem, unmapped_errors

# Pure modules, and the one library each may use besides the standard library.
PURE = [
    (catalogue, set()),
    (cycles, set()),
    (actions, set()),
    (statistics, set()),
    (disclosure, {"numpy"}),
    (uploads, {"openpyxl"}),
    (charts, {"PIL"}),
    (render, {"fpdf"}),
]


@pytest.mark.parametrize(("module", "library"), PURE, ids=lambda m: getattr(m, "__name__", ""))
def test_each_pure_module_imports_only_the_standard_library_and_its_own_tool(module: object, library: set[str]) -> None:
    assert foreign_imports(module, allowed={"npd_benchmark", *library}) == []  # type: ignore[arg-type]


def test_every_error_the_service_can_raise_has_an_http_meaning() -> None:
    modules = [catalogue, cycles, actions, uploads, submissions, disclosure, publication, results_service]
    modules += [catalogue_service, cycles_service, actions_service, catalogue_api, cycles_api, results_api, actions_api]
    # Problem subclasses answer for themselves (the runtime calls their response()).
    assert [e for e in unmapped_errors(modules, PROBLEMS) if not issubclass(e, Problem)] == []
