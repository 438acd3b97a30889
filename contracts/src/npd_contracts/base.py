"""What every event payload has in common: a versioned type name, a topic and an aggregate key."""

from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from npd_contracts.topics import Topic


class EventData(BaseModel):
    """The `data` of one CloudEvent. Subclasses name their type, topic and aggregate id field."""

    # Unknown fields are ignored so a consumer keeps reading when a producer adds an optional field.
    model_config = ConfigDict(frozen=True, extra="ignore")

    TYPE: ClassVar[str]
    TOPIC: ClassVar[Topic]
    SUBJECT_FIELD: ClassVar[str]

    @property
    def subject(self) -> str:
        """The aggregate id: the Kafka key and the CloudEvents subject."""
        return str(getattr(self, self.SUBJECT_FIELD))
