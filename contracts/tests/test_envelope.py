import json
from datetime import UTC, datetime
from uuid import uuid4

import pytest
from npd_contracts import Envelope, MalformedEvent, MemberJoined, OrganisationKind, decode, encode


def a_member_joined() -> MemberJoined:
    return MemberJoined(
        organisation_id=uuid4(),
        name="Gemeente Utrecht",
        kind=OrganisationKind.MUNICIPALITY,
        contact_person_id="person-1",
        joined_at=datetime(2026, 11, 23, 12, 0, tzinfo=UTC),
    )


def test_an_event_survives_the_round_trip_through_kafka_binary_mode() -> None:
    envelope = Envelope(data=a_member_joined(), source="/npd/membership")
    key, value, headers = encode(envelope)
    assert decode(value, headers) == envelope
    assert key == str(envelope.data.organisation_id).encode()


def test_headers_are_the_cloudevents_binary_mode_attributes() -> None:
    envelope = Envelope(data=a_member_joined(), source="/npd/membership")
    _, value, headers = encode(envelope)
    names = dict(headers)
    assert names["ce_specversion"] == b"1.0"
    assert names["ce_type"] == b"nl.npd.membership.member-joined.v1"
    assert names["ce_subject"] == str(envelope.data.organisation_id).encode()
    assert names["content-type"] == b"application/json"
    assert json.loads(value)["contact_person_id"] == "person-1"


def valid_record() -> tuple[bytes, list[tuple[str, bytes]]]:
    _, value, headers = encode(Envelope(data=a_member_joined(), source="/npd/membership"))
    return value, headers


def _with_type(type_name: bytes):  # type: ignore[no-untyped-def]
    return lambda v, h: (v, [(k, type_name if k == "ce_type" else x) for k, x in h])


@pytest.mark.parametrize(
    ("mutate", "kind", "reason"),
    [
        (lambda v, h: (b"not json", h), "not-json", "value is not JSON: "),
        (
            lambda v, h: (v[: len(v) // 2], h),
            "truncated",
            r"value is not JSON \(cut short\): Invalid JSON: EOF while parsing",
        ),
        (lambda v, h: (b"", h), "empty", "empty value"),
        (lambda v, h: (v, [x for x in h if x[0] != "ce_id"]), "not-cloudevent", "missing header ce_id"),
        (lambda v, h: (v, []), "not-cloudevent", "ce_specversion must be '1.0', got None"),
        (lambda v, h: (v, [(k, b"0.3" if k == "ce_specversion" else x) for k, x in h]), "not-cloudevent", "spec"),
        (_with_type(b"x.y"), "unknown-type", "unknown event type 'x.y'"),
        (_with_type(b"nl.npd.membership.nothing-of-ours.v1"), "unknown-type", "unknown event type"),
        (
            _with_type(b"nl.npd.membership.member-joined.v9"),
            "unsupported-version",
            "unsupported version 9 of nl.npd.membership.member-joined: .* reads 'nl.npd.membership.member-joined.v1'",
        ),
        (
            lambda v, h: (b'{"name": 3}', h),
            "schema-violation",
            "data does not match .*member-joined.v1: .*name: Input should be a valid string",
        ),
        (lambda v, h: (v, [(k, b"yesterday" if k == "ce_time" else x) for k, x in h]), "not-cloudevent", "ce_time"),
    ],
)
def test_a_malformed_record_is_refused_with_its_reason(mutate, kind, reason) -> None:  # type: ignore[no-untyped-def]
    value, headers = mutate(*valid_record())
    with pytest.raises(MalformedEvent, match=reason) as refused:
        decode(value, headers)
    assert refused.value.kind == kind


def test_an_unknown_field_from_a_newer_producer_is_ignored() -> None:
    value, headers = valid_record()
    newer = json.loads(value) | {"added_later": True}
    assert decode(json.dumps(newer).encode(), headers).data == decode(value, headers).data


TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def test_the_trace_context_travels_as_the_cloudevents_traceparent_extension() -> None:
    envelope = Envelope(data=a_member_joined(), source="/npd/membership", traceparent=TRACEPARENT)
    _, value, headers = encode(envelope)
    assert dict(headers)["ce_traceparent"] == TRACEPARENT.encode()
    assert decode(value, headers).traceparent == TRACEPARENT


@pytest.mark.parametrize("bad", ["01-xyz", "00-" + "0" * 32 + "-00f067aa0ba902b7-01", "garbage"])
def test_a_malformed_trace_context_is_dropped_and_the_event_still_decodes(bad: str) -> None:
    value, headers = valid_record()
    decoded = decode(value, [*headers, ("ce_traceparent", bad.encode())])
    assert decoded.traceparent is None
