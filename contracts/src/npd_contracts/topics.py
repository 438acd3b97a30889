"""Kafka topics: one per aggregate stream, keyed by aggregate id so order holds per aggregate."""

from dataclasses import dataclass

# Partitions bound how many replicas of a consumer share a stream; each also costs every consumer of the
# topic on every fetch, busy or idle: aiokafka sends full fetches (no incremental fetch sessions, KIP-227),
# so each fetch request lists every assigned partition and the broker answers for each. 12 where a stream
# carries the network's volume (people and their addresses, 500,000; meetings with their registrations;
# benchmark submissions; deliveries, 200,000 for one announcement); 3 where it carries a few events a day
# (organisations, groups, calls for papers, cycles, practices, pilots, positions, opportunities).
# Notifications consumed 132 partitions before, 60 since; events 36 -> 18 (docs/decisions.md 129).
# Partitions can be added to a topic later (which moves keys), never removed.
DEFAULT_PARTITIONS = 12
FEW_PARTITIONS = 3
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


MEMBERSHIP_ORGANISATION = Topic("npd.membership.organisation", FEW_PARTITIONS)
MEMBERSHIP_PERSON = Topic("npd.membership.person")
MEMBERSHIP_GROUP = Topic("npd.membership.group", FEW_PARTITIONS)
EVENTS_MEETING = Topic("npd.events.meeting")
EVENTS_CALL_FOR_PAPERS = Topic("npd.events.call-for-papers", FEW_PARTITIONS)
BENCHMARK_SUBMISSION = Topic("npd.benchmark.submission")
# Restricted: people's e-mail addresses, keyed by person id; only membership writes it and only
# notifications reads it (deploy/k8s ACLs), so the general topics never carry an address.
MEMBERSHIP_CONTACT = Topic("npd.membership.contact", compacted=True)
NOTIFICATIONS_DELIVERY = Topic("npd.notifications.delivery")
BENCHMARK_CYCLE = Topic("npd.benchmark.cycle", FEW_PARTITIONS)
EVENTS_PRACTICE = Topic("npd.events.practice", FEW_PARTITIONS)
EVENTS_PILOT = Topic("npd.events.pilot", FEW_PARTITIONS)
# Issue 10 (one voice, staff mobility): joint positions and mobility opportunities, both from membership.
MEMBERSHIP_POSITION = Topic("npd.membership.position", FEW_PARTITIONS)
MEMBERSHIP_OPPORTUNITY = Topic("npd.membership.opportunity", FEW_PARTITIONS)

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
