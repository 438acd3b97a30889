"""A consumer rebalance in the middle of a stream: a second replica of notifications joins the group, takes
partitions, handles part of the stream and is killed with SIGKILL; the first takes its partitions back.
Nothing lost (every event claimed, every welcome there), nothing twice (one welcome per organisation), and
per organisation the renames took effect in the order membership made them."""

import asyncio
import json
import os
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import datetime

from npd_contracts import MemberJoined
from npd_runtime.idempotency import PROCESSED_EVENTS_TABLE

from .conftest import ServiceProcess, connected, end_offsets, read_topic, report, until
from .ordered import RENAMED, Renames, version
from .scenario import exactly_once

K, V = 200, int(os.environ.get("FAULTS_EVENTS", "10000")) // 200


async def test_rebalance_mid_stream_loses_nothing_doubles_nothing_keeps_order(
    processes: Callable[..., ServiceProcess], fault_env: dict[str, str], kafka: str
) -> None:
    membership_db, notifications_db = fault_env["MEMBERSHIP_DATABASE_URL"], fault_env["NOTIFICATIONS_DATABASE_URL"]
    processes("membership")
    first = processes("notifications")
    stream = Renames(membership_db, K, V)
    await stream.create()
    topic = MemberJoined.TOPIC.name
    since = await end_offsets(kafka, topic)
    started = time.monotonic()

    async def renamed_so_far() -> int:
        async with connected(notifications_db) as conn:
            names = await conn.fetch(
                "SELECT name FROM recipient_organisations WHERE organisation_id = ANY($1)", stream.ids
            )
        return sum(version(r["name"]) for r in names if " v" in r["name"])

    # The writer waits after 40 % of the renames until the second replica has joined, and after 80 % until it
    # was killed: the two replicas share the middle of the stream and the first alone takes the end, however
    # long a replica takes to start on a busy host.
    joined, killed = asyncio.Event(), asyncio.Event()
    writer = asyncio.create_task(stream.write(admit_first=True, gates={V * 2 // 5: joined, V * 4 // 5: killed}))
    try:
        await until(lambda: _above(renamed_so_far, stream.expected // 5), "rebalance: the first replica handling", 180)
        second = await asyncio.to_thread(processes, "notifications")
        joined.set()
        handled = "npd_notifications_events_consumed_total"

        async def second_handles() -> float:
            return await asyncio.to_thread(second.metric, handled, type=RENAMED, outcome="handled")

        await until(second_handles, "rebalance: the second replica handling renames", 120)
        at_kill = await renamed_so_far()
        second_share = await second_handles()
        assert at_kill < stream.expected, "the stream ended before the second replica was killed"
        second.kill9()
        killed.set()
        await writer
    finally:
        if not writer.done():
            writer.cancel()

    records = await read_topic(kafka, topic, since)
    version_of = {r.event_id: (r.key, version(json.loads(r.value)["name"])) for r in records if r.event_type == RENAMED}
    assert len(version_of) == stream.expected, f"{len(version_of)} of {stream.expected} renames on the topic"

    async def all_claimed() -> list[tuple[str, datetime]]:
        async with connected(notifications_db) as conn:
            rows = await conn.fetch(
                f"SELECT event_id, processed_at FROM {PROCESSED_EVENTS_TABLE} "
                "WHERE consumer = 'notifications' AND event_id = ANY($1::text[])",
                list(version_of),
            )
        return [(r[0], r[1]) for r in rows] if len(rows) == len(version_of) else []

    claims = await until(all_claimed, "rebalance: every rename handled after the kill", 600, every_s=0.5)
    # Order: per organisation, a later rename is never handled in a transaction that started before the
    # one that handled an earlier rename (processed_at is the handling transaction's start).
    when: dict[str, list[tuple[int, datetime]]] = defaultdict(list)
    for event_id, at in claims:
        key, v = version_of[event_id]
        when[key].append((v, at))
    reordered = {}
    for key, handled_at in when.items():
        by_version = [at for _, at in sorted(handled_at)]
        if by_version != sorted(by_version):
            reordered[key] = sorted(handled_at)
    assert not reordered, (
        f"{len(reordered)} organisations' renames handled out of order, e.g. {next(iter(reordered.items()))}"
    )
    async with connected(notifications_db) as conn:
        final = await conn.fetch(
            "SELECT organisation_id, name FROM recipient_organisations WHERE organisation_id = ANY($1)", stream.ids
        )
        welcomes = await conn.fetch(
            "SELECT organisation_id::text, count(*) FROM messages WHERE rule = 'member_joined.welcome' "
            "AND organisation_id = ANY($1) GROUP BY 1",
            stream.ids,
        )
    assert {r["organisation_id"]: r["name"] for r in final} == {
        org_id: stream.name(i, V) for i, org_id in enumerate(stream.ids)
    }, "the read model's final names are not the last renames"
    exactly_once([(r[0], r[1]) for r in welcomes], {str(i) for i in stream.ids}, "welcomes per organisation")
    duplicates = first.metric("npd_notifications_events_consumed_total", outcome="duplicate")
    report(
        f"rebalance: {K} admissions and {stream.expected} renames; a second notifications replica joined, "
        f"handled {second_share:.0f} renames itself and was killed with SIGKILL at {at_kill}; the first "
        f"took over and skipped {duplicates:.0f} events as already handled; no welcome lost or doubled, every "
        f"organisation's renames in order ({time.monotonic() - started:.0f} s)"
    )


async def _above(count: Callable[[], Awaitable[int]], n: int) -> bool:
    return await count() >= n
