"""kill -9 in the middle of a cross-service stream, chosen so the dedupe paths must run.

The publishing process is killed while Kafka has acknowledged records whose outbox rows are not yet deleted
(so its next relay publishes them again), and the consuming process while it has handled events whose
offsets are not yet committed (so its next run reads them again). Each kill point is found by freezing the
process (SIGSTOP: its state cannot move on while we look), looking, and either killing it or letting it go
on (SIGCONT) and looking again a moment later.
"""

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from npd_runtime.idempotency import PROCESSED_EVENTS_TABLE
from npd_runtime.outbox import OUTBOX_TABLE

from .conftest import ServiceProcess, committed_offsets, connected, end_offsets, read_topic, report, until


@dataclass
class Flow:
    """One cross-service flow: events of `event_type` on `topic`, from `publisher` to `consumer`."""

    name: str
    publisher: ServiceProcess
    consumer: ServiceProcess
    topic: str
    event_type: str
    expected: int  # events of event_type the stream carries
    publisher_db: str
    consumer_db: str
    effects: Callable[[], Awaitable[int]]  # effects recorded so far in the consumer's database


@dataclass
class Outcome:
    republished: int  # records of the stream on the topic more than once (same CloudEvents id)
    redelivered: int  # events the restarted consumer read again and skipped as already handled
    records: int  # records of event_type on the topic, copies included
    seconds: float


async def _stream_records(flow: Flow, since: dict[int, int], bootstrap: str) -> list[str]:
    return [r.event_id for r in await read_topic(bootstrap, flow.topic, since) if r.event_type == flow.event_type]


async def kill_publisher_mid_relay(
    flow: Flow, since: dict[int, int], bootstrap: str, timeout_s: float, writer: asyncio.Task[None]
) -> None:
    """SIGKILL the publisher while Kafka holds records of the stream whose outbox rows it has not deleted."""

    async def published() -> int:
        if writer.done() and writer.exception() is not None:
            raise AssertionError(f"{flow.name}: writing the stream failed") from writer.exception()
        ends = await end_offsets(bootstrap, flow.topic)
        return sum(ends.values()) - sum(since.values())

    await until(lambda: _at_least(published, flow.expected // 10), f"{flow.name}: relay publishing", timeout_s)
    deadline = time.monotonic() + timeout_s
    while True:
        flow.publisher.freeze()
        ids = await _stream_records(flow, since, bootstrap)
        async with connected(flow.publisher_db) as conn:
            unsent = await conn.fetchval(f"SELECT count(*) FROM {OUTBOX_TABLE} WHERE type = $1", flow.event_type)
            both = await conn.fetchval(
                f"SELECT count(*) FROM {OUTBOX_TABLE} WHERE event_id = ANY($1::text[])", list(set(ids))
            )
        if both and len(set(ids)) < flow.expected:
            flow.publisher.kill9()
            report(
                f"{flow.name}: kill -9 {flow.publisher.name} with {len(ids)} of {flow.expected} records on "
                f"{flow.topic}, {both} of them acknowledged but still in its outbox, {unsent - both} unsent"
            )
            return
        flow.publisher.thaw()
        if len(set(ids)) >= flow.expected and not unsent:
            raise AssertionError(f"{flow.name}: the relay published the whole stream before a kill point was found")
        if time.monotonic() > deadline:
            raise AssertionError(
                f"{flow.name}: no moment with acknowledged-but-undeleted outbox rows within {timeout_s:.0f} s "
                f"({len(ids)} records published, {unsent} rows in the outbox)"
            )
        await asyncio.sleep(0.03)


async def kill_consumer_mid_stream(flow: Flow, bootstrap: str, timeout_s: float) -> None:
    """SIGKILL the consumer while it has handled events of the stream whose offsets it has not committed."""
    group = flow.consumer.name
    await until(lambda: _at_least(flow.effects, flow.expected // 3), f"{flow.name}: consumer handling", timeout_s)
    deadline = time.monotonic() + timeout_s
    while True:
        flow.consumer.freeze()
        committed = await committed_offsets(bootstrap, group, flow.topic)
        ids = [r.event_id for r in await read_topic(bootstrap, flow.topic, committed)]
        async with connected(flow.consumer_db) as conn:
            handled_uncommitted = await conn.fetchval(
                f"SELECT count(*) FROM {PROCESSED_EVENTS_TABLE} WHERE consumer = $1 AND event_id = ANY($2::text[])",
                group,
                list(set(ids)),
            )
        done = await flow.effects()
        if handled_uncommitted and done < flow.expected:
            flow.consumer.kill9()
            report(
                f"{flow.name}: kill -9 {flow.consumer.name} with {done} of {flow.expected} effects recorded, "
                f"{handled_uncommitted} events handled but their offsets not committed"
            )
            return
        flow.consumer.thaw()
        if done >= flow.expected:
            raise AssertionError(f"{flow.name}: the consumer finished the stream before a kill point was found")
        if time.monotonic() > deadline:
            raise AssertionError(f"{flow.name}: no moment with handled-but-uncommitted events in {timeout_s:.0f} s")
        await asyncio.sleep(0.02)


async def until_complete(
    count: Callable[[], Awaitable[int]], expected: int, what: str, stall_s: float = 120, limit_s: float = 900
) -> None:
    """Wait until `count()` reaches `expected`; fail if it stops growing for `stall_s` (stuck, not slow: a
    loaded CI host may take long), or after `limit_s` in all."""
    started = last_change = time.monotonic()
    last = -1
    while (now := time.monotonic()) - started < limit_s:
        done = await count()
        if done >= expected:
            return
        if done != last:
            last, last_change = done, now
        elif now - last_change > stall_s:
            raise AssertionError(f"{what}: stuck at {done} of {expected} for {stall_s:.0f} s")
        await asyncio.sleep(0.5)
    raise AssertionError(f"{what}: {last} of {expected} after {limit_s:.0f} s")


async def _at_least(count: Callable[[], Awaitable[int]], n: int) -> bool:
    return await count() >= n


async def kill_both(flow: Flow, write: Awaitable[None], bootstrap: str, timeout_s: float = 300) -> Outcome:
    """Run `write` (which makes the stream's outbox rows through the publisher's own service functions),
    kill -9 the publisher mid-relay and the consumer mid-stream, restart both, wait for every effect."""
    started = time.monotonic()
    since = await end_offsets(bootstrap, flow.topic)
    writer = asyncio.create_task(write)
    try:
        await kill_publisher_mid_relay(flow, since, bootstrap, timeout_s, writer)
        await asyncio.to_thread(flow.publisher.start)
        await kill_consumer_mid_stream(flow, bootstrap, timeout_s)
        await asyncio.to_thread(flow.consumer.start)
        await writer
    finally:
        if not writer.done():
            writer.cancel()
    await until_complete(flow.effects, flow.expected, f"{flow.name}: every effect after the restarts")
    ids = await _stream_records(flow, since, bootstrap)
    copies = Counter(ids)
    republished = sum(n - 1 for n in copies.values())
    assert len(copies) == flow.expected, f"{flow.name}: {len(copies)} distinct events on {flow.topic}"
    redelivered = int(
        flow.consumer.metric(
            f"npd_{flow.consumer.name}_events_consumed_total", outcome="duplicate", type=flow.event_type
        )
    )
    return Outcome(republished, redelivered, len(ids), time.monotonic() - started)


def exactly_once(counts: Sequence[tuple[str, int]], expected_keys: set[str], what: str) -> None:
    """`counts`: (key, effects) per key from the consumer's database; each expected key exactly once."""
    found = dict(counts)
    missing = expected_keys - found.keys()
    doubled = {key: n for key, n in found.items() if n != 1}
    extra = found.keys() - expected_keys
    assert not missing, f"{what}: {len(missing)} missing, e.g. {sorted(missing)[:3]}"
    assert not doubled, f"{what}: {len(doubled)} more than once, e.g. {list(doubled.items())[:3]}"
    assert not extra, f"{what}: {len(extra)} unexpected, e.g. {sorted(extra)[:3]}"
