"""The broker, then PostgreSQL, restarted in the middle of a stream of admissions: the services recover by
themselves, HTTP answers 503 (never 500) while the database is away, readiness drops and returns as the
README says, and every admission gives exactly one welcome.

Its own Kafka and PostgreSQL (not the session's): restarting those would pull the floor from under every
other test. Membership and notifications run as real processes (uvicorn, as `make run` starts them),
notifications mails to a real SMTP server on loopback. The load is the admission flow at a steady rate
from a client that does what the 503's Retry-After asks; a probe reads `/readyz` and `/status` of both
services all along. What each restart showed is printed (`pytest -s`).
"""

import asyncio
import os
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest
from npd_contracts.topics import topic_specs
from npd_devstack.cache import free_ports
from npd_devstack.platform import RunningService, migrate, service_env, start_service, stop_services, wait_ready
from npd_devstack.smtp_sink import MailSink, SinkServer
from npd_devstack.stack import Infra

SERVICES = ("membership", "notifications")
ADMIN = "admin"  # a network admin in membership (npd_devstack.platform.NETWORK_ADMINS)
ADMISSIONS = 900  # per scenario
RATE = 45.0  # admissions per second: a 20 s stream
OUTAGE_AT_S = 5.0  # into the stream
OUTAGE_S = 6.0
SETTLE_TIMEOUT_S = 120.0


@dataclass
class Stack:
    infra: Infra
    sink: MailSink
    services: dict[str, RunningService]
    admin: dict[str, str]

    def url(self, service: str) -> str:
        return self.services[service].url


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    root = Path(tempfile.mkdtemp(prefix="npd-faults-restarts-"))
    kafka_port, controller_port, pg_port, smtp_port, *ports = free_ports(4 + len(SERVICES))
    infra = Infra(root, kafka_port=kafka_port, controller_port=controller_port, postgres_port=pg_port)
    infra.postgres.fsync = False
    sink = MailSink()
    server = SinkServer(sink, port=smtp_port)
    running: list[RunningService] = []
    try:
        infra.start()
        asyncio.run(infra.ensure_topics(topic_specs()))
        server.start()
        # Nothing of this shell's own service settings: the stack is this test's alone.
        base = {k: v for k, v in os.environ.items() if not k.endswith("_DATABASE_URL") and "KAFKA" not in k}
        env = service_env(infra, base | {"LOG_LEVEL": "WARNING"})
        env |= {"NOTIFICATIONS_SMTP_PORT": str(server.port), "MEMBERSHIP_NETWORK_ADMINS": ADMIN}
        for name in SERVICES:
            migrate(name, env)
        for name, port in zip(SERVICES, ports, strict=True):
            running.append(start_service(name, port, env))
        for service in running:
            wait_ready(service)
        headers = {"Authorization": f"Bearer {infra.issuer.mint(ADMIN, ttl_s=3600)}"}
        yield Stack(infra, sink, {s.name: s for s in running}, headers)
    finally:
        stop_services(running)
        server.stop()
        infra.stop()
        shutil.rmtree(root, ignore_errors=True)


# -- the stream and what it saw -------------------------------------------------------------------------------


@dataclass
class Seen:
    """Every answer the load and the probe got, by second since the stream began."""

    admit_status: Counter[int] = field(default_factory=Counter)
    admit_errors: Counter[str] = field(default_factory=Counter)  # connection-level: no HTTP answer at all
    retries: int = 0
    server_errors: list[str] = field(default_factory=list)  # 500s and other 5xx than 503: each a failure
    ready: dict[str, list[tuple[float, int]]] = field(default_factory=dict)  # service -> (t, /readyz status)
    status: dict[str, list[tuple[float, dict[str, Any]]]] = field(default_factory=dict)
    problems_503: list[dict[str, Any]] = field(default_factory=list)
    probe_errors: list[str] = field(default_factory=list)


async def applications(stack: Stack, n: int) -> list[UUID]:
    """n open applications, written straight into membership's table: what is under test is the admission."""
    now = datetime.now(UTC)
    rows = [
        (uuid4(), f"Storing {i} {uuid4().hex[:8]}", "municipality", "applied", f"fault-contact-{uuid4()}",
         "contact@example.nl", now)
        for i in range(n)
    ]  # fmt: skip
    conn = await asyncpg.connect(stack.infra.postgres.dsn("membership"))
    try:
        await conn.copy_records_to_table(
            "organisations",
            records=rows,
            columns=["id", "name", "kind", "status", "contact_person_id", "contact_email", "applied_at"],
        )
    finally:
        await conn.close()
    return [row[0] for row in rows]


async def admit_all(client: httpx.AsyncClient, stack: Stack, orgs: list[UUID], seen: Seen) -> None:
    """Each admission at its time (open loop); a 503 or a refused connection is retried after a pause, as a
    client honouring Retry-After would; anything else than 200 or 503 is recorded as a failure."""
    loop = asyncio.get_running_loop()
    t0 = loop.time()

    async def one(i: int, org: UUID) -> None:
        await asyncio.sleep(max(0.0, t0 + i / RATE - loop.time()))
        while True:
            try:
                response = await client.post(
                    f"{stack.url('membership')}/v1/organisations/{org}/admit", headers=stack.admin, timeout=10
                )
            except httpx.TransportError as exc:
                seen.admit_errors[type(exc).__name__] += 1
            else:
                seen.admit_status[response.status_code] += 1
                if response.status_code == 200:
                    return
                if response.status_code == 503:
                    retry_after = response.headers.get("retry-after")
                    if len(seen.problems_503) < 3:
                        seen.problems_503.append({**response.json(), "retry-after": retry_after})
                elif response.status_code >= 500:
                    seen.server_errors.append(f"admit {org}: {response.status_code} {response.text[:300]}")
                    return
                else:
                    raise AssertionError(f"admit {org}: {response.status_code} {response.text[:300]}")
            seen.retries += 1
            await asyncio.sleep(0.5)

    await asyncio.gather(*(one(i, org) for i, org in enumerate(orgs)))


async def probe(client: httpx.AsyncClient, stack: Stack, seen: Seen, stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    while not stop.is_set():
        for name in SERVICES:
            try:
                ready = await client.get(f"{stack.url(name)}/readyz", timeout=5)
                status = await client.get(f"{stack.url(name)}/status", timeout=5)
            except httpx.TransportError as exc:
                seen.probe_errors.append(f"{round(loop.time() - t0, 2)} {name}: {type(exc).__name__}")
                continue
            t = round(loop.time() - t0, 2)
            seen.ready.setdefault(name, []).append((t, ready.status_code))
            seen.status.setdefault(name, []).append((t, status.json()))
            if ready.status_code >= 500 and ready.status_code != 503:
                seen.server_errors.append(f"{name} /readyz: {ready.status_code}")
        await asyncio.sleep(0.25)


async def stream_with(
    stack: Stack, outage: Any, n: int = ADMISSIONS, settled: Callable[[Seen], bool] = lambda seen: True
) -> tuple[list[UUID], Seen]:
    """Admit n organisations at RATE while `outage()` runs OUTAGE_AT_S into the stream; keep probing after it
    until `settled(seen)` or SETTLE_TIMEOUT_S (a slow host brings a restarted server back later)."""
    orgs = await applications(stack, n)
    seen = Seen()
    stop = asyncio.Event()
    # The probe has its own connections: queued behind the load's, it would see nothing of the outage.
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=50)) as client, httpx.AsyncClient() as own:
        prober = asyncio.create_task(probe(own, stack, seen, stop))

        async def fault() -> None:
            await asyncio.sleep(OUTAGE_AT_S)
            await asyncio.to_thread(outage)

        await asyncio.gather(admit_all(client, stack, orgs, seen), fault())
        await asyncio.sleep(1.0)
        deadline = asyncio.get_running_loop().time() + SETTLE_TIMEOUT_S
        # Polls what the probe sampled (no event of ours to wait on).
        while not settled(seen) and asyncio.get_running_loop().time() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.25)
        stop.set()
        await prober
    return orgs, seen


async def welcomes(stack: Stack, orgs: list[UUID]) -> tuple[Counter[UUID], Counter[UUID]]:
    """Welcome messages and inbox items per admitted organisation, once notifications has caught up."""
    conn = await asyncpg.connect(stack.infra.postgres.dsn("notifications"))
    try:
        deadline = asyncio.get_running_loop().time() + SETTLE_TIMEOUT_S
        while True:
            rows = await conn.fetch(
                "SELECT m.organisation_id, count(DISTINCT m.id) AS messages, count(n.id) AS items"
                " FROM messages m LEFT JOIN notifications n ON n.message_id = m.id"
                " WHERE m.rule = 'member_joined.welcome' AND m.organisation_id = ANY($1::uuid[])"
                " GROUP BY m.organisation_id",
                orgs,
            )
            if len(rows) >= len(orgs) or asyncio.get_running_loop().time() > deadline:
                return (
                    Counter({r["organisation_id"]: r["messages"] for r in rows}),
                    Counter({r["organisation_id"]: r["items"] for r in rows}),
                )
            await asyncio.sleep(0.5)
    finally:
        await conn.close()


async def dead_letters(stack: Stack) -> float:
    async with httpx.AsyncClient() as client:
        text = (await client.get(f"{stack.url('notifications')}/metrics")).text
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("npd_notifications_dead_letters_total")
    )


def assert_exactly_once(orgs: list[UUID], messages: Counter[UUID], items: Counter[UUID]) -> None:
    missing = [o for o in orgs if messages[o] == 0]
    doubled = {o: c for o, c in messages.items() if c > 1}
    assert not missing, f"{len(missing)} of {len(orgs)} admissions got no welcome (first: {missing[:3]})"
    assert not doubled, f"{len(doubled)} admissions were welcomed more than once: {list(doubled.items())[:3]}"
    assert all(items[o] == 1 for o in orgs), f"inbox items per welcome: {Counter(items.values())}"


def mails_to_the_welcomed(stack: Stack, since: int) -> Counter[str]:
    """Message-IDs of the welcome mails received since `since`: a mail sent twice shows as a count of 2."""
    received = list(stack.sink.messages[since:])
    return Counter(str(m["Message-ID"]) for m in received if str(m["Subject"]).startswith("Welkom bij"))


def first_and_last(samples: list[tuple[float, int]], status: int) -> tuple[float, float] | None:
    times = [t for t, s in samples if s == status]
    return (times[0], times[-1]) if times else None


# -- the tests ----------------------------------------------------------------------------------------------------


async def test_the_broker_restarted_mid_stream_loses_nothing_and_doubles_nothing(stack: Stack) -> None:
    kafka = stack.infra.kafka
    assert kafka is not None, "this test restarts the broker it started itself"
    mails_before = len(stack.sink.messages)
    started = time.monotonic()

    def restart_the_broker() -> None:
        kafka.stop()  # SIGTERM: the controlled shutdown an operator's restart or a rolling update gives
        time.sleep(OUTAGE_S)
        kafka.start()

    def relay_caught_up(seen: Seen) -> bool:
        samples = seen.status.get("membership", [])
        return bool(samples) and samples[-1][1]["relay"]["oldest_event_age_seconds"] < OUTAGE_S / 2

    orgs, seen = await stream_with(stack, restart_the_broker, settled=relay_caught_up)

    print(
        f"\nbroker restart: admissions answered {dict(seen.admit_status)}, connection errors "
        f"{dict(seen.admit_errors)}, readyz {[(n, Counter(s for _, s in v)) for n, v in seen.ready.items()]}"
    )
    assert not seen.server_errors, seen.server_errors
    # The outbox holds the events: writes go on while the broker is away, and readiness does not depend on it.
    assert seen.admit_status == Counter({200: len(orgs)}), seen.admit_status
    for name in SERVICES:
        assert {s for _, s in seen.ready[name]} == {200}, f"{name} left readiness during a broker outage"
    # ... but the relay shows it: its oldest unsent event grows old (what the outbox-age alert reads), and
    # young again once the broker is back.
    ages = [(t, s["relay"]["oldest_event_age_seconds"]) for t, s in seen.status["membership"]]
    oldest = max(age for _, age in ages)
    assert oldest >= OUTAGE_S / 2, f"the relay never showed the outage: {ages}"
    assert ages[-1][1] < OUTAGE_S / 2, f"the outbox did not drain: {ages[-5:]}"

    messages, items = await welcomes(stack, orgs)
    assert_exactly_once(orgs, messages, items)
    mails = await asyncio.to_thread(lambda: wait_for_mails(stack, mails_before, len(orgs)))
    assert len(mails) == len(orgs) and set(mails.values()) == {1}, f"mails: {Counter(mails.values())}"
    assert await dead_letters(stack) == 0
    print(
        f"broker restart: oldest unsent event at most {oldest:.1f} s old; {len(orgs)} welcomes, {len(mails)} "
        f"mails, each once; {time.monotonic() - started:.0f} s from the stream's start to the last mail"
    )


async def test_postgresql_restarted_mid_stream_answers_503_then_recovers_and_loses_nothing(stack: Stack) -> None:
    postgres = stack.infra.postgres
    mails_before = len(stack.sink.messages)
    started = time.monotonic()

    def restart_postgresql() -> None:
        postgres.stop()  # pg_ctl stop -m fast: every connection is cut
        time.sleep(OUTAGE_S)
        postgres.start()

    orgs, seen = await stream_with(stack, restart_postgresql)

    print(
        f"\nPostgreSQL restart: admissions answered {dict(seen.admit_status)}, connection errors "
        f"{dict(seen.admit_errors)}, retries {seen.retries}"
    )
    assert not seen.server_errors, seen.server_errors
    assert seen.admit_status[503] > 0, f"no admission saw the outage: {seen.admit_status}"
    assert set(seen.admit_status) <= {200, 503}, seen.admit_status
    problem = seen.problems_503[0]
    assert problem["type"] == "urn:npd:problem:unavailable" and problem["status"] == 503, problem
    assert problem["retry-after"], "a 503 tells the client when to retry"
    for name in SERVICES:
        samples = seen.ready[name]
        down = first_and_last(samples, 503)
        assert down is not None, f"{name} stayed ready with its database down: {samples} {seen.probe_errors}"
        # Back by itself: ready again after the outage, and to the end.
        assert samples[-1][1] == 200, f"{name} did not become ready again: {samples[-5:]}"
        print(f"PostgreSQL restart: {name} not ready from {down[0]} s to {down[1]} s of the stream")

    messages, items = await welcomes(stack, orgs)
    assert_exactly_once(orgs, messages, items)
    mails = await asyncio.to_thread(lambda: wait_for_mails(stack, mails_before, len(orgs)))
    assert len(mails) == len(orgs) and set(mails.values()) == {1}, f"mails: {Counter(mails.values())}"
    assert await dead_letters(stack) == 0, "a database outage is never a reason to dead-letter"
    print(
        f"PostgreSQL restart: {len(orgs)} welcomes, {len(mails)} mails, each once; "
        f"{time.monotonic() - started:.0f} s from the stream's start to the last mail"
    )


def wait_for_mails(stack: Stack, since: int, expected: int) -> Counter[str]:
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    while True:
        mails = mails_to_the_welcomed(stack, since)
        if len(mails) >= expected or time.monotonic() > deadline:
            time.sleep(1.0)  # a mail sent twice would arrive just after
            return mails_to_the_welcomed(stack, since)
        time.sleep(0.5)
