"""`npd-dlq`: what sits in a dead-letter topic, and putting it back once the cause is fixed.

    npd-dlq list   npd.membership.organisation [--consumer notifications]
    npd-dlq replay npd.membership.organisation --consumer notifications [--event-id ID ...]

Replay republishes the original record (value, key, CloudEvents headers) to its original topic, with
`npd_replayed_from` naming the dead letter. Every consumer group sees it again; those that handled it
before skip it by its event id, so only the consumer that gave up does any work. Kafka settings come
from the same environment as the services' (KAFKA_BOOTSTRAP_SERVERS, KAFKA_SECURITY_PROTOCOL, ...).
"""

import argparse
import asyncio
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from npd_contracts.topics import dead_letter_topic

from npd_runtime.deadletter import REASON_HEADER
from npd_runtime.kafka import connection_options, create_producer
from npd_runtime.settings import KafkaSettings

REPLAYED_FROM_HEADER = "npd_replayed_from"


@dataclass(frozen=True)
class DeadLetter:
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]

    def header(self, name: str) -> str:
        return next((v.decode(errors="replace") for k, v in self.headers if k == name), "")

    @property
    def event_id(self) -> str:
        return self.header("ce_id")

    @property
    def original_headers(self) -> list[tuple[str, bytes]]:
        return [(k, v) for k, v in self.headers if not k.startswith("npd_dlq_") and k != REPLAYED_FROM_HEADER]


async def read_dead_letters(settings: KafkaSettings, topic: str, consumer: str | None = None) -> list[DeadLetter]:
    """Every dead letter of `topic` (optionally only those `consumer` gave up on), oldest first."""
    dlq = dead_letter_topic(topic)
    # No group: the reader is assigned every partition, starts at the beginning and commits nothing.
    reader = AIOKafkaConsumer(
        dlq, group_id=None, auto_offset_reset="earliest", enable_auto_commit=False, **connection_options(settings)
    )
    await reader.start()
    try:
        if dlq not in await reader.topics():
            raise SystemExit(f"{dlq} does not exist")
        async with asyncio.timeout(30):
            while not reader.assignment():  # noqa: ASYNC110 - aiokafka signals assignment only to listeners
                await asyncio.sleep(0.05)
            partitions = sorted(reader.assignment())
            ends = await reader.end_offsets(partitions)
            letters: list[DeadLetter] = []
            while [tp for tp in partitions if await reader.position(tp) < ends[tp]]:
                for records in (await reader.getmany(timeout_ms=1000)).values():
                    letters += [DeadLetter(r.partition, r.offset, r.key, r.value, list(r.headers)) for r in records]
    finally:
        await reader.stop()
    if consumer is not None:
        letters = [d for d in letters if d.header("npd_dlq_consumer") == consumer]
    return sorted(letters, key=lambda d: (d.partition, d.offset))


async def replay(settings: KafkaSettings, topic: str, letters: Sequence[DeadLetter]) -> int:
    producer = create_producer(settings, client_id="npd-dlq-replay")
    await producer.start()
    try:
        return await _republish(producer, topic, letters)
    finally:
        await producer.stop()


async def _republish(producer: AIOKafkaProducer, topic: str, letters: Sequence[DeadLetter]) -> int:
    for letter in letters:
        origin = f"{dead_letter_topic(topic)}/{letter.partition}/{letter.offset}".encode()
        await producer.send_and_wait(
            topic,
            value=letter.value,
            key=letter.key,
            headers=[*letter.original_headers, (REPLAYED_FROM_HEADER, origin)],
        )
    return len(letters)


def _describe(letter: DeadLetter) -> str:
    return (
        f"{letter.partition}/{letter.offset}  {letter.header('npd_dlq_failed_at')}  "
        f"consumer={letter.header('npd_dlq_consumer')}  type={letter.header('ce_type') or '?'}  "
        f"id={letter.event_id or '?'}\n    {letter.header(REASON_HEADER)}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="npd-dlq", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("action", choices=["list", "replay"])
    parser.add_argument("topic", help="the original topic, e.g. npd.membership.organisation")
    parser.add_argument("--consumer", help="only dead letters of this consumer group")
    parser.add_argument("--event-id", action="append", default=[], help="only these events (repeatable)")
    args = parser.parse_args(argv)
    settings = KafkaSettings()
    letters = asyncio.run(read_dead_letters(settings, args.topic, args.consumer))
    if args.event_id:
        letters = [d for d in letters if d.event_id in set(args.event_id)]
    if args.action == "list":
        for letter in letters:
            print(_describe(letter))
        print(f"{len(letters)} dead letters", file=sys.stderr)
        return 0
    if args.consumer is None and not args.event_id:
        parser.error("replay needs --consumer or --event-id: replaying everything is rarely what you mean")
    count = asyncio.run(replay(settings, args.topic, letters))
    print(f"replayed {count} dead letters to {args.topic}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
