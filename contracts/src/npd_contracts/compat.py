"""Is a new version of an event schema compatible with an older one?

BACKWARD, as a schema registry would check it: a consumer built on the new schema must read every
event written with the old one. We also refuse to drop a field the old schema required, because
consumers built on the old schema are still reading the topic when the new producer starts.
"""

from typing import Any

Schema = dict[str, Any]

_NUMERIC_WIDENING = {("integer", "number")}


def breaking_changes(old: Schema, new: Schema) -> list[str]:
    """Human-readable reasons why `new` breaks readers or writers of `old`; empty when compatible."""
    return _compare(old, new, old, new, path="data")


def _resolve(node: Schema, root: Schema) -> Schema:
    while "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            raise ValueError(f"only local $ref is supported, got {ref}")
        target: Any = root
        for part in ref[2:].split("/"):
            target = target[part]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def _variants(node: Schema, root: Schema) -> list[Schema]:
    node = _resolve(node, root)
    if "anyOf" in node:
        return [v for alt in node["anyOf"] for v in _variants(alt, root)]
    if "oneOf" in node:
        return [v for alt in node["oneOf"] for v in _variants(alt, root)]
    return [node]


def _types(node: Schema) -> set[str]:
    t = node.get("type")
    if t is None:
        return {"any"}
    return {t} if isinstance(t, str) else set(t)


def _compare(old: Schema, new: Schema, old_root: Schema, new_root: Schema, path: str) -> list[str]:
    problems: list[str] = []
    old_variants = _variants(old, old_root)
    new_variants = _variants(new, new_root)
    for ov in old_variants:
        matches = [nv for nv in new_variants if _accepts_type(nv, ov)]
        if not matches:
            problems.append(f"{path}: values of type {sorted(_types(ov))} are no longer accepted")
            continue
        best = min((_compare_one(ov, nv, old_root, new_root, path) for nv in matches), key=len)
        problems.extend(best)
    return problems


def _accepts_type(new: Schema, old: Schema) -> bool:
    new_types, old_types = _types(new), _types(old)
    if "any" in new_types:
        return True
    return all(t in new_types or any((t, n) in _NUMERIC_WIDENING for n in new_types) for t in old_types)


def _compare_one(old: Schema, new: Schema, old_root: Schema, new_root: Schema, path: str) -> list[str]:
    problems = _compare_constraints(old, new, path)
    if "object" in _types(old) and "properties" in old:
        problems += _compare_objects(old, new, old_root, new_root, path)
    if "array" in _types(old) and "items" in old and "items" in new:
        problems += _compare(old["items"], new["items"], old_root, new_root, f"{path}[]")
    return problems


def _compare_constraints(old: Schema, new: Schema, path: str) -> list[str]:
    problems: list[str] = []
    if "enum" in new:
        removed = set(map(str, old.get("enum", []))) - set(map(str, new["enum"]))
        if "enum" not in old:
            problems.append(f"{path}: now restricted to an enumeration")
        elif removed:
            problems.append(f"{path}: enumeration lost {sorted(removed)}")
    if "const" in new and new.get("const") != old.get("const"):
        problems.append(f"{path}: const changed")
    for key in ("format", "pattern"):
        if key in new and new.get(key) != old.get(key):
            problems.append(f"{path}: {key} changed from {old.get(key)!r} to {new[key]!r}")
    for key in ("maxLength", "maximum", "maxItems", "exclusiveMaximum"):
        if key in new and (key not in old or new[key] < old[key]):
            problems.append(f"{path}: {key} tightened to {new[key]}")
    for key in ("minLength", "minimum", "minItems", "exclusiveMinimum"):
        if key in new and (key not in old or new[key] > old[key]):
            problems.append(f"{path}: {key} tightened to {new[key]}")
    return problems


def _compare_objects(old: Schema, new: Schema, old_root: Schema, new_root: Schema, path: str) -> list[str]:
    problems: list[str] = []
    old_props: dict[str, Schema] = old.get("properties", {})
    new_props: dict[str, Schema] = new.get("properties", {})
    old_required, new_required = set(old.get("required", [])), set(new.get("required", []))
    for name in sorted(new_required - old_required):
        problems.append(f"{path}.{name}: newly required; events written before it lack it")
    for name in sorted(old_required - set(new_props)):
        problems.append(f"{path}.{name}: a required field was removed; existing consumers need it")
    if new.get("additionalProperties") is False and old.get("additionalProperties") is not False:
        problems.append(f"{path}: additional properties are now forbidden")
    for name in sorted(set(old_props) & set(new_props)):
        problems += _compare(old_props[name], new_props[name], old_root, new_root, f"{path}.{name}")
    return problems
