"""The event catalogue: every event type the platform publishes, by its CloudEvents type name."""

from npd_contracts.base import EventData
from npd_contracts.membership import MemberJoined, MemberLeft, OrganisationApplied

EVENT_TYPES: dict[str, type[EventData]] = {
    cls.TYPE: cls
    for cls in (
        OrganisationApplied,
        MemberJoined,
        MemberLeft,
    )
}


class UnknownEventType(LookupError):
    pass


def event_class(type_name: str) -> type[EventData]:
    try:
        return EVENT_TYPES[type_name]
    except KeyError:
        raise UnknownEventType(f"unknown event type {type_name!r}") from None
