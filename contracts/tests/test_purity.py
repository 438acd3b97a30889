import ast
import sys
from pathlib import Path

import npd_contracts

ALLOWED = {"pydantic", "npd_contracts"} | set(sys.stdlib_module_names)


def test_contracts_import_only_the_standard_library_and_pydantic() -> None:
    package = Path(npd_contracts.__file__).parent
    for module in package.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] in ALLOWED, f"{module.name} imports {name}"
