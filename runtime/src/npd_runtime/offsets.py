"""Committing consumer offsets after the effect, without a broker round trip per event.

An offset is recorded only once its event is handled (or dead-lettered) and its transaction committed;
records are flushed to Kafka at most every `interval_s`, and soon after the last event when traffic
stops. A crash before a flush redelivers a few events, which the processed-events record turns into
no-ops: at least once, never at most once.
"""

import asyncio
import contextlib
import logging
from typing import Any

from aiokafka import TopicPartition
from aiokafka.errors import KafkaError

log = logging.getLogger(__name__)


class OffsetCommitter:
    def __init__(self, interval_s: float = 0.2) -> None:
        self._interval_s = interval_s
        self._pending: dict[TopicPartition, int] = {}
        self._consumer: Any = None
        self._flush_task: asyncio.Task[None] | None = None

    def handled(self, consumer: Any, record: Any) -> None:
        """`record` is done with: the next start reads from the one after it."""
        self._consumer = consumer
        self._pending[TopicPartition(record.topic, record.partition)] = record.offset + 1
        if self._flush_task is None:
            self._flush_task = asyncio.create_task(self._flush_soon())

    def forget(self, record: Any) -> None:
        """`record` will be read again (its consumer rewound): commit nothing on its partition past it."""
        self._pending.pop(TopicPartition(record.topic, record.partition), None)

    async def _flush_soon(self) -> None:
        await asyncio.sleep(self._interval_s)
        self._flush_task = None
        await self.flush()

    async def flush(self) -> None:
        offsets, self._pending = self._pending, {}
        if not offsets or self._consumer is None:
            return
        try:
            await self._consumer.commit(offsets)
        except (KafkaError, AssertionError) as exc:
            # Partitions moved to another replica meanwhile: it re-reads these events and skips them as done.
            log.warning("offset commit failed; those events will be redelivered and deduplicated: %s", exc)

    async def close(self) -> None:
        if self._flush_task is not None:
            self._flush_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flush_task
            self._flush_task = None
        await self.flush()
