"""Rebuild the recipients read model by replaying its topics from the start:

    make notifications-rebuild        (python -m npd_notifications.rebuild)

Stop every notifications replica first: the consumer group's offsets can only be reset while it has no
members, and this refuses otherwise. Then the group's offsets go back to the start of every topic it reads,
the read model's tables are emptied and its record of processed events forgotten; started again, the
service reads everything anew. What it owns (messages, deliveries, inbox, preferences, webhooks) stays:
the unique keys make the replayed rules add nothing that exists, and old news notifies nobody.
"""

import asyncio
import logging
import sys

from aiokafka import AIOKafkaConsumer, TopicPartition
from npd_runtime.kafka import connection_options
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from npd_notifications.config import NotificationsSettings, get_settings
from npd_notifications.main import spec

log = logging.getLogger(__name__)

READ_MODEL_TABLES = (
    "recipients",
    "recipient_organisations",
    "recipient_groups",
    "recipient_meetings",
    "meeting_registrations",
    "paper_submitters",
    "benchmark_invitations",
    "pilot_followers",
    "access_people",
    "access_roles",
    "access_group_members",
)


class GroupStillActive(RuntimeError):
    pass


async def reset_offsets(settings: NotificationsSettings, group: str, topics: list[str]) -> int:
    """Commit the beginning of every partition as the group's position; how many partitions."""
    consumer = AIOKafkaConsumer(group_id=group, enable_auto_commit=False, **connection_options(settings))
    await consumer.start()
    try:
        await consumer._client.force_metadata_update()
        partitions = [TopicPartition(t, p) for t in topics for p in sorted(consumer.partitions_for_topic(t) or ())]
        consumer.assign(partitions)
        beginnings = await consumer.beginning_offsets(partitions)
        try:
            await consumer.commit({tp: offset for tp, offset in beginnings.items()})
        except Exception as exc:
            raise GroupStillActive(
                f"the consumer group {group!r} could not be reset ({type(exc).__name__}); stop every "
                "notifications replica and try again"
            ) from exc
        return len(partitions)
    finally:
        await consumer.stop()


async def skip_to_the_end(settings: NotificationsSettings) -> None:
    """Commit the end of every partition the service consumes as its group's position (replicas stopped).

    The opposite of a rebuild: a fresh environment that must not act on what is already on the topics (the
    test suite, where earlier tests leave thousands of events that would each notify someone).
    """
    topics = sorted({event.TOPIC.name for event in spec(settings).consumes})
    consumer = AIOKafkaConsumer(group_id=spec(settings).name, enable_auto_commit=False, **connection_options(settings))
    await consumer.start()
    try:
        await consumer._client.force_metadata_update()
        partitions = [TopicPartition(t, p) for t in topics for p in sorted(consumer.partitions_for_topic(t) or ())]
        consumer.assign(partitions)
        await consumer.commit(dict(await consumer.end_offsets(partitions)))
    finally:
        await consumer.stop()


async def rebuild(settings: NotificationsSettings) -> dict[str, int]:
    service = spec(settings)
    topics = sorted({event.TOPIC.name for event in service.consumes})
    partitions = await reset_offsets(settings, service.name, topics)
    engine = create_async_engine(settings.database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text(f"TRUNCATE {', '.join(READ_MODEL_TABLES)}"))
            forgotten = await connection.execute(
                text("DELETE FROM processed_events WHERE consumer = :consumer"), {"consumer": service.name}
            )
    finally:
        await engine.dispose()
    return {"topics": len(topics), "partitions": partitions, "processed_events_forgotten": forgotten.rowcount}


def main() -> None:
    logging.basicConfig(level=logging.INFO)
    try:
        done = asyncio.run(rebuild(get_settings()))
    except GroupStillActive as exc:
        print(f"notifications-rebuild: {exc}", file=sys.stderr)
        raise SystemExit(1) from exc
    print(
        f"notifications-rebuild: {done['partitions']} partitions of {done['topics']} topics reset to their start, "
        f"read model emptied, {done['processed_events_forgotten']} processed events forgotten; start the service "
        "to replay"
    )


if __name__ == "__main__":
    main()
