"""CloudEvents 1.0 in Kafka binary content mode: attributes in `ce_*` headers, data as the JSON value.

Pure functions from an `Envelope` to Kafka's key, value and headers and back, so any CloudEvents SDK
can read our topics and our consumers can read theirs.
"""

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Generic, TypeVar
from uuid import uuid4

from pydantic import ValidationError

from npd_contracts.base import EventData
from npd_contracts.catalogue import EVENT_TYPES, UnknownEventType, event_class

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"

Headers = list[tuple[str, bytes]]

# W3C Trace Context, carried as the CloudEvents distributed-tracing extension attribute `traceparent`.
_TRACEPARENT = re.compile(r"^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")


def valid_traceparent(value: str | None) -> str | None:
    """The value if it is a W3C traceparent (version 00, non-zero ids), else None."""
    if value is None or not _TRACEPARENT.match(value):
        return None
    _, trace_id, span_id, _ = value.split("-")
    return value if trace_id != "0" * 32 and span_id != "0" * 16 else None


class MalformedEvent(ValueError):
    """A Kafka record that is not a valid event of our catalogue; the message says why, `kind` in one word.

    Kinds: `not-cloudevent` (attributes missing or wrong), `empty`, `not-json`, `truncated` (JSON cut short),
    `unknown-type`, `unsupported-version` (a known event in a version this build does not read) and
    `schema-violation` (the right type, data its schema refuses).
    """

    def __init__(self, message: str, kind: str = "not-cloudevent") -> None:
        super().__init__(message)
        self.kind = kind


E = TypeVar("E", bound=EventData, covariant=True)


@dataclass(frozen=True)
class Envelope(Generic[E]):
    """One CloudEvent: its data (a catalogue event) and the attributes that travel in the headers."""

    data: E
    source: str
    id: str = field(default_factory=lambda: str(uuid4()))
    time: datetime = field(default_factory=lambda: datetime.now(UTC))
    traceparent: str | None = None

    @property
    def type(self) -> str:
        return self.data.TYPE

    @property
    def subject(self) -> str:
        return self.data.subject

    @property
    def topic(self) -> str:
        return self.data.TOPIC.name


def encode_headers(
    *, id: str, source: str, type: str, time: datetime, subject: str, traceparent: str | None = None
) -> Headers:
    headers = [
        ("ce_specversion", SPEC_VERSION.encode()),
        ("ce_id", id.encode()),
        ("ce_source", source.encode()),
        ("ce_type", type.encode()),
        ("ce_time", time.isoformat().encode()),
        ("ce_subject", subject.encode()),
        ("content-type", CONTENT_TYPE.encode()),
    ]
    if traceparent:
        headers.append(("ce_traceparent", traceparent.encode()))
    return headers


def encode(envelope: Envelope[EventData]) -> tuple[bytes, bytes, Headers]:
    """Key, value and headers of the Kafka record carrying this event."""
    headers = encode_headers(
        id=envelope.id,
        source=envelope.source,
        type=envelope.type,
        time=envelope.time,
        subject=envelope.subject,
        traceparent=envelope.traceparent,
    )
    return envelope.subject.encode(), envelope.data.model_dump_json().encode(), headers


def decode(value: bytes | None, headers: Headers) -> Envelope[EventData]:
    """The event in a Kafka record, or MalformedEvent saying what is wrong with it."""
    attrs = _header_map(headers)
    if attrs.get("ce_specversion") != SPEC_VERSION:
        raise MalformedEvent(f"ce_specversion must be {SPEC_VERSION!r}, got {attrs.get('ce_specversion')!r}")
    for name in ("ce_id", "ce_source", "ce_type", "ce_time"):
        if not attrs.get(name):
            raise MalformedEvent(f"missing header {name}")
    content_type = attrs.get("content-type", CONTENT_TYPE)
    if not content_type.startswith(CONTENT_TYPE):
        raise MalformedEvent(f"content-type must be {CONTENT_TYPE!r}, got {content_type!r}")
    try:
        cls = event_class(attrs["ce_type"])
    except UnknownEventType:
        raise _unknown_type(attrs["ce_type"]) from None
    try:
        time = datetime.fromisoformat(attrs["ce_time"])
    except ValueError:
        raise MalformedEvent(f"ce_time is not an RFC 3339 timestamp: {attrs['ce_time']!r}") from None
    data = _decode_data(cls, value)
    # A malformed trace context is dropped, not fatal: tracing must never cost an event.
    traceparent = valid_traceparent(attrs.get("ce_traceparent"))
    return Envelope(data=data, source=attrs["ce_source"], id=attrs["ce_id"], time=time, traceparent=traceparent)


_ATTRIBUTES = frozenset(
    ("ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time", "ce_subject", "ce_traceparent", "content-type")
)


def _header_map(headers: Headers) -> dict[str, str]:
    """The attributes decode() reads (other headers are not its business, nor decoded: this is per event)."""
    out: dict[str, str] = {}
    for name, raw in headers:
        key = name if name in _ATTRIBUTES else name.lower()
        if key in _ATTRIBUTES:
            try:
                out[key] = raw.decode() if raw else ""
            except UnicodeDecodeError:
                raise MalformedEvent(f"header {name} is not UTF-8") from None
    return out


_VERSIONED = re.compile(r"^(?P<name>.+)\.v(?P<version>[0-9]+)$")


def _unknown_type(type_name: str) -> MalformedEvent:
    """A known event in another version is named as such, with the versions this build reads."""
    asked = _VERSIONED.match(type_name)
    if asked is not None:
        known = [t for t in EVENT_TYPES if (m := _VERSIONED.match(t)) and m["name"] == asked["name"]]
        if known:
            return MalformedEvent(
                f"unsupported version {asked['version']} of {asked['name']}: {type_name!r} "
                f"(this consumer reads {', '.join(repr(t) for t in known)})",
                kind="unsupported-version",
            )
    return MalformedEvent(f"unknown event type {type_name!r}", kind="unknown-type")


def _decode_data(cls: type[EventData], value: bytes | None) -> EventData:
    if not value:
        raise MalformedEvent("empty value: a CloudEvent in binary mode carries its data as the value", kind="empty")
    try:
        return cls.model_validate_json(value)
    except ValidationError as exc:
        # One parse on the hot path; a value that is not JSON at all is named as such, and one cut short too.
        not_json = next((e for e in exc.errors() if e["type"] == "json_invalid"), None)
        if not_json is not None:
            cut_short = "EOF while parsing" in not_json["msg"]
            raise MalformedEvent(
                f"value is not JSON{' (cut short)' if cut_short else ''}: {not_json['msg']}",
                kind="truncated" if cut_short else "not-json",
            ) from None
        problems = "; ".join(f"{'.'.join(str(p) for p in err['loc']) or 'data'}: {err['msg']}" for err in exc.errors())
        raise MalformedEvent(f"data does not match {cls.TYPE}: {problems}", kind="schema-violation") from None
