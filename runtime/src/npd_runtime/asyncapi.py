"""The AsyncAPI document of a service: channels from its FastStream broker, messages from the contracts.

FastStream generates the document from a broker's subscribers and publishers; ours is never started (events
are consumed by npd_runtime.consumer and published by the outbox relay), it only describes the channels.
FastStream would document a subscriber's payload from the handler's signature, so the handled event
types' schemas are put in from the contracts instead; publications are declared with theirs.
"""

import json
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, JSONResponse
from faststream.kafka import KafkaBroker
from faststream.specification import AsyncAPI, get_asyncapi_html
from npd_contracts import EventData

from npd_runtime.consumer import Handler, handled_events

_REF = "#/components/schemas/{model}"


def describe_channels(
    broker: KafkaBroker,
    name: str,
    handlers: Mapping[type[EventData], Handler],
    publishes: Sequence[type[EventData]],
) -> KafkaBroker:
    """Declare the service's channels on a FastStream broker that is never started, for AsyncAPI only.

    Events are consumed by npd_runtime.consumer and leave through the outbox relay, not through FastStream.
    """
    for topic, events in handled_events(handlers).items():
        broker.subscriber(
            topic.name,
            group_id=name,
            title=f"{name}:{topic.name}",
            description=f"Handles {', '.join(e.TYPE for e in events)}; other types on this topic are skipped.",
        )(_never_called)
    declare_publications(broker, publishes)
    return broker


async def _never_called(msg: Any) -> None:
    raise AssertionError("the describing broker is never started")


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


def asyncapi_document(spec: AsyncAPI, name: str, handlers: Mapping[type[EventData], Handler]) -> dict[str, Any]:
    document: dict[str, Any] = spec.to_specification().to_jsonable()
    if not handlers:
        return document
    components = document.setdefault("components", {})
    messages, schemas = components.setdefault("messages", {}), components.setdefault("schemas", {})
    for topic, events in handled_events(handlers).items():
        message = messages.get(f"{name}:{topic.name}:SubscribeMessage")
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


def asyncapi_routes(spec: AsyncAPI, name: str, handlers: Mapping[type[EventData], Handler]) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/asyncapi.json", summary="AsyncAPI document of the events this service consumes and publishes")
    async def asyncapi_json() -> JSONResponse:
        return JSONResponse(asyncapi_document(spec, name, handlers))

    @router.get("/asyncapi", summary="AsyncAPI document, rendered", response_class=HTMLResponse)
    async def asyncapi_html() -> HTMLResponse:
        return HTMLResponse(get_asyncapi_html(_Rendered(asyncapi_document(spec, name, handlers))))  # type: ignore[arg-type]

    return router
