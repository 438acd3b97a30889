"""The AsyncAPI document of a service: channels from its FastStream broker, messages from the contracts.

FastStream documents a subscriber's payload from the handler's signature; ours takes the raw record (so a
bad one can be dead-lettered), which it would show as empty. The consumer knows which event types it
handles, so their schemas are put in instead; publications are declared on the broker with theirs.
"""

import json
from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, JSONResponse
from faststream.kafka import KafkaBroker
from faststream.specification import AsyncAPI, get_asyncapi_html
from npd_contracts import EventData

from npd_runtime.consumer import EventConsumer

_REF = "#/components/schemas/{model}"


def declare_publications(broker: KafkaBroker, events: Sequence[type[EventData]]) -> None:
    """Publishers for the document only: events leave through the outbox relay, never through these."""
    for event in events:
        broker.publisher(
            event.TOPIC.name,
            title=f"{event.TOPIC.name}:{event.TYPE}",
            description=f"{(event.__doc__ or '').strip()} CloudEvents type {event.TYPE}, binary content mode, "
            f"key = {event.SUBJECT_FIELD}.",
            schema=event,
        )


def asyncapi_document(spec: AsyncAPI, consumer: EventConsumer | None) -> dict[str, Any]:
    document: dict[str, Any] = spec.to_specification().to_jsonable()
    if consumer is None:
        return document
    components = document.setdefault("components", {})
    messages, schemas = components.setdefault("messages", {}), components.setdefault("schemas", {})
    for topic, events in consumer.handled_events().items():
        message = messages.get(f"{consumer.name}:{topic.name}:SubscribeMessage")
        if message is None:
            continue
        message.pop("correlationId", None)  # FastStream's own header; CloudEvents ids travel as ce_id
        message["payload"] = {"oneOf": [{"$ref": _REF.format(model=e.__name__)} for e in events]}
        for event in events:
            schema = event.model_json_schema(ref_template=_REF)
            schemas.update(schema.pop("$defs", {}))
            schemas[event.__name__] = schema
    if '"#/components/schemas/EmptyPayload"' not in json.dumps(messages):
        schemas.pop("EmptyPayload", None)
    return document


class _Rendered:
    """What get_asyncapi_html reads from a specification: its title and its JSON."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.title = document["info"]["title"]
        self._json = json.dumps(document)

    def to_json(self) -> str:
        return self._json


def asyncapi_routes(spec: AsyncAPI, consumer: EventConsumer | None) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/asyncapi.json", summary="AsyncAPI document of the events this service consumes and publishes")
    async def asyncapi_json() -> JSONResponse:
        return JSONResponse(asyncapi_document(spec, consumer))

    @router.get("/asyncapi", summary="AsyncAPI document, rendered", response_class=HTMLResponse)
    async def asyncapi_html() -> HTMLResponse:
        return HTMLResponse(get_asyncapi_html(_Rendered(asyncapi_document(spec, consumer))))  # type: ignore[arg-type]

    return router
