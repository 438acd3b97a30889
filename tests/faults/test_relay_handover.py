"""Two replicas of membership on one database under load: one relay publishes at a time (the other stands by
on the advisory lock); kill -9 the active one mid-stream, twice, and the other takes over with every
organisation's renames still in outbox order on the topic, none missing."""

import asyncio
import os
import time
from collections.abc import Callable

from npd_runtime.outbox import OUTBOX_TABLE

from .conftest import ServiceProcess, connected, end_offsets, read_topic, report, until
from .ordered import RENAMED, Renames, out_of_order, versions_on_topic

K, V = 100, int(os.environ.get("FAULTS_EVENTS", "10000")) // 100
ACTIVE = "npd_membership_outbox_relay_active"


def active(replicas: list[ServiceProcess]) -> ServiceProcess | None:
    running = [r for r in replicas if r.service is not None]
    holding = [r for r in running if r.metric(ACTIVE) == 1]
    assert len(holding) <= 1, f"{len(holding)} relays active at once"
    return holding[0] if holding else None


async def test_relay_hand_over_keeps_order_per_aggregate(
    processes: Callable[..., ServiceProcess], fault_env: dict[str, str], kafka: str
) -> None:
    database = fault_env["MEMBERSHIP_DATABASE_URL"]
    replicas = [processes("membership"), processes("membership")]
    stream = Renames(database, K, V)
    await stream.create()
    topic = "npd.membership.organisation"
    since = await end_offsets(kafka, topic)
    started = time.monotonic()
    writer = asyncio.create_task(stream.write())
    takeovers: list[str] = []
    try:
        for share in (0.2, 0.55):

            async def published(share: float = share) -> bool:
                ends = await end_offsets(kafka, topic)
                return sum(ends.values()) - sum(since.values()) >= stream.expected * share

            await until(published, f"relay hand-over: {share:.0%} of the renames published", 180)
            victim = await until(lambda: asyncio.to_thread(active, replicas), "an active relay", 30)
            async with connected(database) as conn:
                waiting = await conn.fetchval(f"SELECT count(*) FROM {OUTBOX_TABLE} WHERE type = $1", RENAMED)
            victim.kill9()
            other = next(r for r in replicas if r is not victim)
            await until(lambda other=other: asyncio.to_thread(active, [other]), "the standby relay taking over", 60)
            takeovers.append(f"killed the active relay ({waiting} renames in its outbox), the standby took over")
            await asyncio.to_thread(victim.start)
        await writer
    finally:
        if not writer.done():
            writer.cancel()

    async def all_published() -> bool:
        async with connected(database) as conn:
            left = await conn.fetchval(f"SELECT count(*) FROM {OUTBOX_TABLE} WHERE type = $1", RENAMED)
        return left == 0

    await until(all_published, "relay hand-over: the outbox emptied", 600, every_s=0.5)
    by_key, copies = versions_on_topic(await read_topic(kafka, topic, since), stream.ids)
    assert len(by_key) == K, f"renames of {len(by_key)} of {K} organisations on the topic"
    wrong = out_of_order(by_key, list(range(1, V + 1)))
    assert not wrong, f"{len(wrong)} organisations' renames out of order or missing, e.g. {next(iter(wrong.items()))}"
    for line in takeovers:
        report(f"relay hand-over: {line}")
    report(
        f"relay hand-over: {stream.expected} renames of {K} organisations by two replicas, 2 kill -9s of the "
        f"active relay; every organisation's versions 1..{V} in order on the topic; {copies} copies republished "
        f"({time.monotonic() - started:.0f} s)"
    )
