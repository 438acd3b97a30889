import ast
import sys
from pathlib import Path

import npd_membership.domain

ALLOWED = {"pydantic", "npd_contracts", "npd_membership"} | set(sys.stdlib_module_names)


def test_the_domain_module_does_no_io() -> None:
    tree = ast.parse(Path(npd_membership.domain.__file__).read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            assert name.split(".")[0] in ALLOWED, f"domain imports {name}"
