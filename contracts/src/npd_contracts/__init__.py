"""The event catalogue shared by every NPD service: payload models, topics and the CloudEvents envelope."""

from npd_contracts.base import EventData
from npd_contracts.catalogue import EVENT_TYPES, event_class
from npd_contracts.envelope import Envelope, MalformedEvent, decode, encode
from npd_contracts.membership import (
    LeaveReason,
    MemberJoined,
    MemberLeft,
    OrganisationApplied,
    OrganisationKind,
)

__all__ = [
    "EVENT_TYPES",
    "Envelope",
    "EventData",
    "LeaveReason",
    "MalformedEvent",
    "MemberJoined",
    "MemberLeft",
    "OrganisationApplied",
    "OrganisationKind",
    "decode",
    "encode",
    "event_class",
]
