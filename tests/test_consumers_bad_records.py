"""Every consumer of every service, fed bad records on the real topics it reads: each bad record lands on
`<topic>.dlq` untouched, with a reason header naming what was wrong; the good event after them takes effect;
nothing of the bad ones does; the consumer goes on.

The services and their topics come from each service's own ServiceSpec (its handlers and the access read
model), so a service that starts consuming, or a new topic, is covered without touching this file. Each
service runs as in production (its app's lifespan: its consumer in its own group on the real broker, its
migrated database); the records are put on the topics with a plain producer.
"""

import contextlib
import importlib
import json
import types
import typing
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import jsonschema
import pytest
import pytest_asyncio
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from fastapi import FastAPI
from npd_contracts import Envelope, EventData, encode
from npd_contracts.topics import dead_letter_topic
from npd_runtime.access import ROLES
from npd_runtime.consumer import handled_events
from npd_runtime.idempotency import PROCESSED_EVENTS_TABLE
from npd_runtime.kafka import connection_options
from npd_runtime.settings import DEFAULT_MAX_EVENT_BYTES
from pydantic import BaseModel
from sqlalchemy import text

SCHEMAS = Path(__file__).parents[1] / "contracts" / "schemas"
SERVICES = ("membership", "events", "benchmark", "notifications")


def _settings_class(service: str) -> Any:
    config = importlib.import_module(f"npd_{service}.config")
    return getattr(config, f"{service.capitalize()}Settings")


def consumed(service: str) -> dict[str, list[type[EventData]]]:
    """The topics this service's consumer reads, and the event types it handles on each."""
    main = importlib.import_module(f"npd_{service}.main")
    spec = main.spec(_settings_class(service).model_construct())
    return {topic.name: events for topic, events in handled_events(spec.consumes).items()}


CASES = [(service, topic) for service in SERVICES for topic in consumed(service)]


def test_every_service_that_consumes_is_covered() -> None:
    """Membership reads its own tables for access and consumes nothing; the others consume."""
    assert {service for service, _ in CASES} == {"events", "benchmark", "notifications"}


# -- a valid instance of any event, from its fields -----------------------------------------------------


def example(cls: type[BaseModel], **given: Any) -> Any:
    values = {name: _value(field.annotation) for name, field in cls.model_fields.items() if name not in given}
    return cls.model_validate(values | given)


def _value(annotation: Any) -> Any:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _value(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return _value(next(a for a in typing.get_args(annotation) if a is not type(None)))
    if origin in (list, tuple, set, frozenset):
        return []
    if origin is dict:
        return {}
    if origin is typing.Literal:
        return typing.get_args(annotation)[0]
    if isinstance(annotation, type):
        if issubclass(annotation, Enum):
            return next(iter(annotation))
        if issubclass(annotation, BaseModel):
            return example(annotation).model_dump(mode="json")
        simple: dict[type, Any] = {
            UUID: str(uuid4()),
            str: f"t-{uuid4().hex[:8]}",
            bool: False,
            int: 1,
            float: 1.0,
            Decimal: "1",
            datetime: datetime.now(UTC).isoformat(),
            date: (datetime.now(UTC) + timedelta(days=30)).date().isoformat(),
            time: "10:00:00",
        }
        for kind, value in simple.items():
            if issubclass(annotation, kind):
                return value
    raise TypeError(f"no example value for {annotation!r}: teach _value() this kind of field")


def good_event(topic: str, events: list[type[EventData]]) -> Envelope[Any]:
    """On the person topic a role granted, whose effect in the access read model is checked by name; on the
    others the first event type the service handles there."""
    cls = next((e for e in events if e.__name__ == "PersonRoleGranted"), events[0])
    given: dict[str, Any] = {"role": "member"} if cls.__name__ == "PersonRoleGranted" else {}
    return Envelope(data=example(cls, **given), source="/tests/bad-records")


# -- the bad records -------------------------------------------------------------------------------------

Record = tuple[bytes | None, list[tuple[str, bytes]]]


def bad_records(topic: str, events: list[type[EventData]]) -> dict[str, tuple[Record, str]]:
    """Each bad record by case name, with the reason its dead letter must give (kind, then what exactly)."""
    envelope = good_event(topic, events)  # another instance than the good event published after them
    cls = type(envelope.data)
    _, value, headers = encode(envelope)
    data = json.loads(value)

    def retyped(type_name: str) -> list[tuple[str, bytes]]:
        return [(k, type_name.encode() if k == "ce_type" else v) for k, v in headers]

    violating = {k: v for k, v in data.items() if k != cls.SUBJECT_FIELD}
    schema = json.loads((SCHEMAS / f"{cls.TYPE}.json").read_text())
    jsonschema.validate(data, schema)  # the example itself is valid by the committed schema ...
    with pytest.raises(jsonschema.ValidationError):  # ... and the violating one is not
        jsonschema.validate(violating, schema)
    padded = json.dumps(data | {"padding": "x" * DEFAULT_MAX_EVENT_BYTES}).encode()
    name, _, _ = cls.TYPE.rpartition(".v")
    return {
        "not-json": ((b"{this is not json", headers), "not-json: value is not JSON: "),
        "not-cloudevent": ((value, []), "not-cloudevent: ce_specversion must be '1.0', got None"),
        "truncated": ((value[: len(value) // 2], headers), "truncated: value is not JSON (cut short): "),
        "unknown-type": (
            (value, retyped("nl.npd.tests.no-such-event.v1")),
            "unknown-type: unknown event type 'nl.npd.tests.no-such-event.v1'",
        ),
        "wrong-version": (
            (value, retyped(f"{name}.v9")),
            f"unsupported-version: unsupported version 9 of {name}: '{name}.v9' (this consumer reads '{cls.TYPE}')",
        ),
        "oversized": (
            (padded, headers),
            f"too-large: value is {len(padded)} bytes, over this consumer's limit of {DEFAULT_MAX_EVENT_BYTES}",
        ),
        "schema-violating": (
            (json.dumps(violating).encode(), headers),
            f"schema-violation: data does not match {cls.TYPE}: {cls.SUBJECT_FIELD}: Field required",
        ),
    }


# -- the services, running -------------------------------------------------------------------------------


@pytest_asyncio.fixture(scope="module")
async def services(
    service_settings: Callable[..., dict[str, Any]], run_app: Callable[..., Any]
) -> AsyncIterator[dict[str, tuple[FastAPI, httpx.AsyncClient]]]:
    """Each consuming service's app, started when first asked for and stopped at the module's end."""
    async with contextlib.AsyncExitStack() as stack:

        class Apps(dict[str, tuple[FastAPI, httpx.AsyncClient]]):
            async def of(self, service: str) -> tuple[FastAPI, httpx.AsyncClient]:
                if service not in self:
                    main = importlib.import_module(f"npd_{service}.main")
                    settings = _settings_class(service)(**service_settings(service))
                    await skip_to_the_end(settings, main.spec(settings))
                    app = main.create_app(settings)
                    self[service] = (app, await stack.enter_async_context(run_app(app)))
                return self[service]

        yield Apps()


async def skip_to_the_end(settings: Any, spec: Any) -> None:
    """Start the service's group at the end of its topics: earlier tests left thousands of events there, whose
    handling (each notifying someone) is not this test's business (as npd_notifications.rebuild does)."""
    topics = sorted({event.TOPIC.name for event in spec.consumes})
    consumer = AIOKafkaConsumer(group_id=spec.name, enable_auto_commit=False, **connection_options(settings))
    await consumer.start()
    try:
        await consumer._client.force_metadata_update()
        partitions = [TopicPartition(t, p) for t in topics for p in sorted(consumer.partitions_for_topic(t) or ())]
        consumer.assign(partitions)
        await consumer.commit(dict(await consumer.end_offsets(partitions)))
    finally:
        await consumer.stop()


async def processed(app: FastAPI, service: str, event_ids: list[str]) -> set[str]:
    async with app.state.sessions() as session:
        rows = await session.execute(
            text(f"SELECT event_id FROM {PROCESSED_EVENTS_TABLE} WHERE consumer = :c AND event_id = ANY(:ids)"),
            {"c": service, "ids": event_ids},
        )
        return set(rows.scalars())


async def dead_letters(kafka: str, topic: str, key: bytes) -> list[Any]:
    """Every record on `topic`'s dead-letter topic with this key, read to the end."""
    client = AIOKafkaConsumer(bootstrap_servers=kafka, enable_auto_commit=False)
    await client.start()
    try:
        dlq = dead_letter_topic(topic)
        partitions = [TopicPartition(dlq, p) for p in client.partitions_for_topic(dlq) or set()]
        if not partitions:
            await client._client.force_metadata_update()
            partitions = [TopicPartition(dlq, p) for p in client.partitions_for_topic(dlq) or set()]
        client.assign(partitions)
        await client.seek_to_beginning(*partitions)
        ends = await client.end_offsets(partitions)
        found: list[Any] = []
        while [tp for tp in partitions if await client.position(tp) < ends[tp]]:
            for records in (await client.getmany(timeout_ms=1000)).values():
                found += [r for r in records if r.key == key]
        return found
    finally:
        await client.stop()


def _people_in(bad: dict[str, tuple[Record, str]]) -> list[str]:
    """The person ids in those bad records whose value is JSON at all."""
    people = []
    for (value, _), _ in bad.values():
        with contextlib.suppress(ValueError):
            people.append(str(json.loads(value or b"").get("person_id")))
    return people


@pytest.mark.parametrize(("service", "topic"), CASES)
async def test_bad_records_are_dead_lettered_with_their_reason_and_the_good_event_after_them_takes_effect(
    service: str,
    topic: str,
    services: Any,
    kafka: str,
    kafka_producer: AIOKafkaProducer,
    wait_for: Callable[..., Any],
) -> None:
    app, client = await services.of(service)
    events = consumed(service)[topic]
    bad = bad_records(topic, events)
    good = good_event(topic, events)
    key = f"bad-records-{uuid4()}".encode()  # one key, one partition: the consumer reads them in this order
    for case, ((value, headers), _) in bad.items():
        await kafka_producer.send_and_wait(topic, value=value, key=key, headers=[*headers, ("x-case", case.encode())])
    _, good_value, good_headers = encode(good)
    await kafka_producer.send_and_wait(topic, value=good_value, key=key, headers=good_headers)

    await wait_for(lambda: processed(app, service, [good.id]), timeout_s=60)  # the consumer went on
    # Other services' consumers running in this module read the same topic and dead-letter it too: their own.
    letters = [
        r for r in await dead_letters(kafka, topic, key) if dict(r.headers)["npd_dlq_consumer"] == service.encode()
    ]
    assert sorted(dict(r.headers)["x-case"].decode() for r in letters) == sorted(bad), "each dead-lettered once"
    by_case = {dict(r.headers)["x-case"].decode(): r for r in letters}
    for case, ((value, headers), reason) in bad.items():
        letter = by_case[case]
        meta = {k: v.decode() for k, v in letter.headers if k.startswith("npd_dlq_")}
        assert meta["npd_dlq_reason"].startswith(reason), (case, meta["npd_dlq_reason"])
        assert (meta["npd_dlq_consumer"], meta["npd_dlq_original_topic"]) == (service, topic)
        assert letter.value == value, f"{case}: the dead letter carries the record untouched"
        assert [h for h in letter.headers if not h[0].startswith("npd_dlq_")] == [*headers, ("x-case", case.encode())]

    bad_ids = [dict(h)["ce_id"].decode() for (_, h), _ in bad.values() if "ce_id" in dict(h)]
    assert await processed(app, service, bad_ids) == set(), "none of the bad records was handled"
    if type(good.data).__name__ == "PersonRoleGranted":
        async with app.state.sessions() as session:
            holders = await session.execute(
                text(f"SELECT person_id FROM {ROLES} WHERE person_id = ANY(:p)"),
                {"p": [good.data.person_id, *_people_in(bad)]},
            )
            assert set(holders.scalars()) == {good.data.person_id}

    metrics = (await client.get("/metrics")).text
    counted = {
        line.split('reason="')[1].split('"')[0]
        for line in metrics.splitlines()
        if line.startswith(f"npd_{service}_dead_letters_total{{") and f'topic="{topic}"' in line
    }
    assert {"not-json", "not-cloudevent", "truncated", "unknown-type", "unsupported-version", "too-large"} | {
        "schema-violation"
    } <= counted
