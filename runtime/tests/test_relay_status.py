"""What a relay tells about itself (status() and metrics) while it works, waits, and cannot publish."""

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any
from uuid import uuid4

import asyncpg
import pytest_asyncio
from aiokafka import AIOKafkaProducer
from npd_devstack.cache import free_ports
from npd_devstack.postgres import PostgresCluster
from npd_runtime.db import asyncpg_connect_kwargs
from npd_runtime.metrics import ServiceMetrics
from npd_runtime.relay import OutboxRelay, relay_lock_key
from sqlalchemy.ext.asyncio import AsyncEngine

from .test_relay import backlog, departures, outbox_database, read_back, relay, relay_running, write


@pytest_asyncio.fixture(scope="module")
async def status_db(postgres_cluster: PostgresCluster) -> AsyncIterator[tuple[str, AsyncEngine]]:
    """A database of this module's own, so that its backlog is exactly what these tests write."""
    url = postgres_cluster.create_database("relay_status_tests")
    engine = await outbox_database(url)
    yield url, engine
    await engine.dispose()


def retrying_fast(url: str, producer: AIOKafkaProducer, metrics: ServiceMetrics) -> OutboxRelay:
    return relay(url, producer, metrics, retry_backoff_s=0.05)


def sample(metrics: ServiceMetrics, name: str, **labels: str) -> float:
    return metrics.registry.get_sample_value(f"npd_t_{name}", labels) or 0.0


async def test_a_relay_that_cannot_reach_its_database_reports_failing_with_the_reason_and_counts_failures(
    kafka_producer: AIOKafkaProducer, wait_for: Callable[..., Any]
) -> None:
    (nothing_listens,) = free_ports(1)
    metrics = ServiceMetrics("t")
    unreachable = retrying_fast(f"postgresql+asyncpg://npd@127.0.0.1:{nothing_listens}/none", kafka_producer, metrics)
    assert unreachable.status()["state"] == "starting"
    async with relay_running(unreachable):
        await wait_for(lambda: _failed(unreachable, times=3))
        status = unreachable.status()
        assert status["state"] == "failing"
        assert str(nothing_listens) in status["last_error"]  # "Connect call failed ('127.0.0.1', port)"
        assert status["last_error_at"] is not None
        assert status["last_published_at"] is None
        assert sample(metrics, "outbox_relay_failures_total") >= 3
        assert sample(metrics, "outbox_relay_state", state="failing") == 1
    assert unreachable.status()["state"] == "stopped"


async def test_a_relay_given_a_url_it_cannot_use_reports_failing_with_the_reason(
    status_db: tuple[str, AsyncEngine], kafka_producer: AIOKafkaProducer, wait_for: Callable[..., Any]
) -> None:
    url, _ = status_db
    broken = retrying_fast(f"{url}?sslmode=sometimes", kafka_producer, ServiceMetrics("t"))
    async with relay_running(broken):
        await wait_for(lambda: _failed(broken, times=2))
        assert broken.status()["state"] == "failing"
        assert "sslmode" in broken.status()["last_error"]


async def test_a_relay_that_cannot_publish_reports_failing_and_deletes_nothing(
    status_db: tuple[str, AsyncEngine],
    kafka: str,
    kafka_producer: AIOKafkaProducer,
    wait_for: Callable[..., Any],
) -> None:
    url, engine = status_db
    closed = AIOKafkaProducer(bootstrap_servers=kafka, acks="all", enable_idempotence=True)
    await closed.start()
    await closed.partitions_for("npd.membership.organisation")  # known, so sending is what fails
    await closed.stop()
    org_id = uuid4()
    await write(engine, departures(org_id, 3))
    metrics = ServiceMetrics("t")
    stuck = retrying_fast(url, closed, metrics)
    async with relay_running(stuck):
        await wait_for(lambda: _failed(stuck, times=2))
        status = stuck.status()
        assert status["state"] == "failing"
        assert status["last_published_at"] is None
        assert status["backlog"] == 3
        assert status["oldest_event_age_seconds"] > 0
        assert sample(metrics, "outbox_oldest_event_age_seconds") > 0
    assert await backlog(engine) == 3
    async with relay_running(relay(url, kafka_producer)):  # once a producer works, they all leave
        assert len(await read_back(kafka, str(org_id).encode(), 3)) == 3
        await wait_for(lambda: _empty(engine))


async def test_a_standby_relay_watches_the_backlog_and_the_age_of_its_oldest_event_until_it_takes_over(
    status_db: tuple[str, AsyncEngine], kafka: str, kafka_producer: AIOKafkaProducer, wait_for: Callable[..., Any]
) -> None:
    url, engine = status_db
    active_elsewhere = await asyncpg.connect(**asyncpg_connect_kwargs(url))
    lock = relay_lock_key("relay-test")
    await active_elsewhere.execute("SELECT pg_advisory_lock($1)", lock)
    metrics = ServiceMetrics("t")
    standby = relay(url, kafka_producer, metrics, safety_poll_s=0.2)
    org_id = uuid4()
    try:
        await write(engine, departures(org_id, 4))
        async with relay_running(standby):
            await wait_for(lambda: _status(standby, state="standby", backlog=4))
            seen = standby.oldest_event_age()
            await asyncio.sleep(0.3)
            assert standby.oldest_event_age() > seen > 0  # it grows between looks
            assert sample(metrics, "outbox_oldest_event_age_seconds") > seen
            assert sample(metrics, "outbox_backlog_events") == 4
            assert sample(metrics, "outbox_relay_state", state="standby") == 1

            await active_elsewhere.execute("SELECT pg_advisory_unlock($1)", lock)
            assert len(await read_back(kafka, str(org_id).encode(), 4)) == 4
            await wait_for(lambda: _status(standby, state="active", backlog=0))
            status = standby.status()
            assert set(status) == {
                "state",
                "since",
                "failures",
                "last_error",
                "last_error_at",
                "last_published_at",
                "backlog",
                "backlog_seen_at",
                "oldest_event_age_seconds",
            }
            assert status["oldest_event_age_seconds"] == 0
            assert status["last_published_at"] is not None
            assert status["failures"] == 0
            assert sample(metrics, "outbox_relay_last_publish_timestamp_seconds") > 0
            assert sample(metrics, "outbox_oldest_event_age_seconds") == 0
            published = {"topic": "npd.membership.organisation", "type": "nl.npd.membership.member-left.v1"}
            assert sample(metrics, "events_published_total", **published) == 4
    finally:
        await active_elsewhere.close()


async def _failed(relay: OutboxRelay, *, times: int) -> bool:
    return bool(relay.status()["failures"] >= times)


async def _status(relay: OutboxRelay, **expected: Any) -> bool:
    status = relay.status()
    return all(status[name] == value for name, value in expected.items())


async def _empty(engine: AsyncEngine) -> bool:
    return await backlog(engine) == 0
