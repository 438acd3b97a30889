"""Contact details published by the membership service on the restricted, compacted topic
npd.membership.contact (keyed by person id).

The general topics carry no e-mail addresses. Only the notifications service may read this one (Kafka ACLs
in deploy/k8s), and compaction keeps just the latest address per person: a removal (email null) replaces
the address, and Kafka drops the older records.
"""

from datetime import datetime
from typing import ClassVar

from pydantic import Field

from npd_contracts.base import EventData
from npd_contracts.topics import MEMBERSHIP_CONTACT, Topic


class PersonContactChanged(EventData):
    """A person's e-mail address was set, changed or removed (null: left the network or erased)."""

    TYPE: ClassVar[str] = "nl.npd.membership.person-contact-changed.v1"
    TOPIC: ClassVar[Topic] = MEMBERSHIP_CONTACT
    SUBJECT_FIELD: ClassVar[str] = "person_id"

    person_id: str = Field(max_length=255, description="The person (their token's subject); the Kafka key.")
    email: str | None = Field(max_length=320, description="Where mail for them goes; null: no longer reachable.")
    changed_at: datetime
