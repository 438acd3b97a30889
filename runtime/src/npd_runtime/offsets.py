"""Committing consumer offsets after the effect, without a broker round trip per batch.

An offset is recorded only once its events are handled (or dead-lettered) and their transaction committed;
records are flushed to Kafka at most every `interval_s`, soon after the last batch when traffic stops, and
before partitions move to another replica. A crash before a flush redelivers a few events, which the
processed-events record turns into no-ops: at least once, never at most once.
"""

import asyncio
import contextlib
import logging

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

log = logging.getLogger(__name__)


class OffsetCommitter:
    """The offsets of one Kafka consumer (all its topics and partitions) waiting to be committed."""

    def __init__(self, kafka: AIOKafkaConsumer, interval_s: float = 0.2) -> None:
        self._kafka = kafka
        self._interval_s = interval_s
        self._pending: dict[TopicPartition, int] = {}
        self._positions: dict[TopicPartition, int] = {}
        self._flush_task: asyncio.Task[None] | None = None  # only while it waits to flush
        self._committing = asyncio.Lock()

    def handled(self, tp: TopicPartition, next_offset: int) -> None:
        """Everything before `next_offset` on `tp` is done with: the next start reads from there."""
        self._pending[tp] = self._positions[tp] = next_offset
        if self._flush_task is None:
            self._flush_task = asyncio.create_task(self._flush_soon())

    def forget(self, tp: TopicPartition) -> None:
        """`tp` will be read again (its consumer rewound): commit nothing on it past what was committed."""
        self._pending.pop(tp, None)

    def position(self, tp: TopicPartition) -> int | None:
        """The next offset to handle on `tp`, as far as this replica knows."""
        return self._positions.get(tp)

    async def _flush_soon(self) -> None:
        await asyncio.sleep(self._interval_s)
        self._flush_task = None
        await self.flush()  # close() no longer sees this task, so it waits for the commit instead of cancelling it

    async def flush(self) -> None:
        async with self._committing:
            assigned = self._kafka.assignment()
            offsets = {tp: offset for tp, offset in self._pending.items() if tp in assigned}
            self._pending = {}
            if not offsets:
                return
            try:
                await self._kafka.commit(offsets)
            except (KafkaError, AssertionError) as exc:
                # The group moved on meanwhile: the new owner re-reads these events and skips them as done.
                log.warning("offset commit failed; those events will be redelivered and deduplicated: %s", exc)

    async def close(self) -> None:
        """Commit what was handled; a commit under way finishes first (flush waits for it)."""
        if self._flush_task is not None:
            self._flush_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flush_task
            self._flush_task = None
        await self.flush()
