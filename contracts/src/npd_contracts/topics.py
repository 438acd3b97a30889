"""Kafka topics: one per aggregate stream, keyed by aggregate id so order holds per aggregate."""

from dataclasses import dataclass

DEFAULT_PARTITIONS = 12
DLQ_PARTITIONS = 3
DLQ_SUFFIX = ".dlq"


@dataclass(frozen=True)
class Topic:
    name: str
    partitions: int = DEFAULT_PARTITIONS
    # Compacted topics keep the latest value per key (a changelog), not every event.
    compacted: bool = False

    @property
    def dead_letter(self) -> str:
        return dead_letter_topic(self.name)


def dead_letter_topic(topic: str) -> str:
    return f"{topic}{DLQ_SUFFIX}"


MEMBERSHIP_ORGANISATION = Topic("npd.membership.organisation")
MEMBERSHIP_PERSON = Topic("npd.membership.person")
MEMBERSHIP_GROUP = Topic("npd.membership.group")
EVENTS_MEETING = Topic("npd.events.meeting")
EVENTS_CALL_FOR_PAPERS = Topic("npd.events.call-for-papers")
BENCHMARK_SUBMISSION = Topic("npd.benchmark.submission")
# Restricted: people's e-mail addresses, keyed by person id; only membership writes it and only
# notifications reads it (deploy/k8s ACLs), so the general topics never carry an address.
MEMBERSHIP_CONTACT = Topic("npd.membership.contact", compacted=True)
NOTIFICATIONS_DELIVERY = Topic("npd.notifications.delivery")
BENCHMARK_CYCLE = Topic("npd.benchmark.cycle")
EVENTS_PRACTICE = Topic("npd.events.practice")
EVENTS_PILOT = Topic("npd.events.pilot")
# Issue 10 (one voice, staff mobility): joint positions and mobility opportunities, both from membership.
MEMBERSHIP_POSITION = Topic("npd.membership.position")
MEMBERSHIP_OPPORTUNITY = Topic("npd.membership.opportunity")

ALL_TOPICS: tuple[Topic, ...] = (
    MEMBERSHIP_ORGANISATION,
    MEMBERSHIP_PERSON,
    MEMBERSHIP_GROUP,
    EVENTS_MEETING,
    EVENTS_CALL_FOR_PAPERS,
    BENCHMARK_SUBMISSION,
    MEMBERSHIP_CONTACT,
    NOTIFICATIONS_DELIVERY,
    BENCHMARK_CYCLE,
    EVENTS_PRACTICE,
    EVENTS_PILOT,
    MEMBERSHIP_POSITION,
    MEMBERSHIP_OPPORTUNITY,
)


def topic_specs() -> list[tuple[str, int]]:
    """Every topic the platform needs, with its partition count, dead-letter topics included."""
    specs = [(t.name, t.partitions) for t in ALL_TOPICS]
    specs += [(t.dead_letter, DLQ_PARTITIONS) for t in ALL_TOPICS]
    return specs
