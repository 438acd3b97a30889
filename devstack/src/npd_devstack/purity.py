"""For purity tests: which modules a module imports beyond the standard library and what it is allowed."""

import ast
import sys
from pathlib import Path
from types import ModuleType


def foreign_imports(module: ModuleType, allowed: set[str] = frozenset()) -> list[str]:  # type: ignore[assignment]
    """Imports of `module` outside the standard library and `allowed` (top-level package names)."""
    ok = set(sys.stdlib_module_names) | set(allowed)
    tree = ast.parse(Path(str(module.__file__)).read_text())
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
    return sorted(name for name in set(found) if name.split(".")[0] not in ok)
