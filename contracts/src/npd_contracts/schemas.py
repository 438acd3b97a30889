"""JSON Schemas generated from the event models: what is committed under contracts/schemas/."""

import json
from typing import Any

from npd_contracts.base import EventData
from npd_contracts.catalogue import EVENT_TYPES

DIALECT = "https://json-schema.org/draft/2020-12/schema"

Schema = dict[str, Any]


def schema_for(cls: type[EventData]) -> Schema:
    schema = cls.model_json_schema(mode="serialization")
    return {
        "$schema": DIALECT,
        "$id": f"urn:npd:event:{cls.TYPE}",
        "x-npd-type": cls.TYPE,
        "x-npd-topic": cls.TOPIC.name,
        "x-npd-key": cls.SUBJECT_FIELD,
        **schema,
    }


def render(schema: Schema) -> str:
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def all_schemas() -> dict[str, Schema]:
    """File name -> schema, for every event type in the catalogue."""
    return {f"{type_name}.json": schema_for(cls) for type_name, cls in sorted(EVENT_TYPES.items())}
