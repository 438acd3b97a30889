"""Vendor the schemas of operators' CustomResourceDefinitions for deploy/validate.py.

    python deploy/crds/vendor.py OPERATOR VERSION SOURCE_URL CRD.yaml [CRD.yaml ...]

For every served version of each CRD it writes deploy/crds/<operator>/<group>_<plural>_<version>.json: the
version's openAPIV3Schema with the `description` texts left out (only the structure is needed to validate,
and it keeps the files small) and records in deploy/crds/sources.json where it came from, with the sha256
of the upstream file, so anyone can re-vendor from the same release and compare.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent


def strip_descriptions(node: Any) -> Any:
    if isinstance(node, dict):
        # `description` is documentation in a schema, except where it names a property called "description".
        return {k: strip_descriptions(v) for k, v in node.items() if not (k == "description" and isinstance(v, str))}
    if isinstance(node, list):
        return [strip_descriptions(v) for v in node]
    return node


def vendor(operator: str, version: str, source: str, path: Path) -> list[str]:
    raw = path.read_bytes()
    written = []
    for crd in yaml.safe_load_all(raw):
        if not crd or crd.get("kind") != "CustomResourceDefinition":
            continue
        spec = crd["spec"]
        for v in spec["versions"]:
            if not v.get("served"):
                continue
            schema = strip_descriptions(v["schema"]["openAPIV3Schema"])
            out = HERE / operator / f"{spec['group']}_{spec['names']['plural']}_{v['name']}.json"
            out.parent.mkdir(exist_ok=True)
            doc = {"group": spec["group"], "kind": spec["names"]["kind"], "version": v["name"], "schema": schema}
            out.write_text(json.dumps(doc, sort_keys=True, separators=(",", ":")) + "\n")
            written.append(out.name)
    sources_file = HERE / "sources.json"
    sources = json.loads(sources_file.read_text()) if sources_file.exists() else {}
    sources.setdefault(operator, {"version": version, "files": {}})
    sources[operator]["version"] = version
    sources[operator]["files"][f"{source.rstrip('/')}/{path.name}"] = {
        "sha256": hashlib.sha256(raw).hexdigest(),
        "schemas": written,
    }
    sources_file.write_text(json.dumps(sources, indent=2, sort_keys=True) + "\n")
    return written


def main(argv: list[str]) -> int:
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    operator, version, source, *paths = argv
    for p in paths:
        print(p, "->", ", ".join(vendor(operator, version, source, Path(p))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
