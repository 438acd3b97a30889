"""Fixtures of the notifications tests: a real SMTP server and a real HTTP receiver on loopback, the app
wired to both with short retry delays, and helpers that put people into the recipients read model through
the same handlers the consumer runs.
"""

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
import pytest_asyncio
from aiokafka import AIOKafkaProducer
from npd_contracts import (
    Envelope,
    EventData,
    MemberJoined,
    OrganisationKind,
    PersonContactChanged,
    PersonRegistered,
    PersonRoleGranted,
    Role,
    encode,
)
from npd_devstack.smtp_sink import MailSink, SinkServer
from npd_notifications.config import NotificationsSettings
from npd_notifications.handlers import event_handlers
from npd_notifications.main import create_app
from npd_notifications.rebuild import skip_to_the_end
from npd_runtime.access import with_access_handlers
from sqlalchemy import text

HANDLERS = with_access_handlers(event_handlers())


@dataclass
class Call:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A real HTTP server on loopback that records each POST and answers `status` (changeable)."""

    port: int = 0
    statuses: dict[str, int] = field(default_factory=dict)  # by path; 204 for any other
    calls: list[Call] = field(default_factory=list)

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def to(self, path: str) -> list[Call]:
        return [c for c in self.calls if c.path == path]

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request_line = (await reader.readline()).decode()
            headers: dict[str, str] = {}
            while (line := (await reader.readline()).decode().strip()) != "":
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            path = request_line.split()[1]
            self.calls.append(Call(path, headers, body))
            status = self.statuses.get(path, 204)
            writer.write(f"HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".encode())
            await writer.drain()
        finally:
            writer.close()


@pytest_asyncio.fixture(scope="module")
async def receiver() -> AsyncIterator[Receiver]:
    recv = Receiver()
    server = await asyncio.start_server(recv.handle, "127.0.0.1", 0)
    recv.port = server.sockets[0].getsockname()[1]
    yield recv
    server.close()


@pytest.fixture(scope="module")
def mail_sink() -> Iterator[tuple[MailSink, Any]]:
    sink = MailSink(refuse=lambda address: address.startswith("bounce"))
    server = SinkServer(sink).start()
    yield sink, server
    server.stop()


def fast_settings(service_settings: Callable[..., dict[str, Any]], smtp_port: int, **overrides: Any) -> dict[str, Any]:
    """Settings for a sender that retries within fractions of a second, and may call the loopback receiver
    (by its address, 127.0.0.1: `localhost` stays forbidden, which the SSRF tests use)."""
    return service_settings(
        "notifications",
        smtp_port=smtp_port,
        retry_first_s=0.05,
        retry_max_s=0.2,
        sender_idle_poll_s=0.05,
        sender_lease_s=5,  # a round that failed midway gives its deliveries back within the test's patience
        max_attempts=4,
        webhook_disable_after=3,
        webhook_allow_hosts=["127.0.0.1"],
        unsubscribe_secret="test-unsubscribe-secret",
        digest_interval_s=3600,
        **overrides,
    )


@pytest_asyncio.fixture(scope="module")
async def app(
    service_settings: Callable[..., dict[str, Any]],
    run_app: Callable[..., Any],
    mail_sink: tuple[MailSink, Any],
    receiver: Receiver,
) -> AsyncIterator[Any]:
    settings = NotificationsSettings(**fast_settings(service_settings, mail_sink[1].port))
    # Earlier tests in the session leave thousands of events that would each notify someone first.
    await skip_to_the_end(settings)
    application = create_app(settings)
    async with run_app(application) as client:
        application.state.client = client
        yield application


def envelope(data: EventData) -> Envelope[Any]:
    return Envelope(data=data, source="/tests")


async def handle(app: Any, *events: EventData | Envelope[Any]) -> None:
    """Run the consumer's handlers for these events in one committed transaction (as a batch would)."""
    async with app.state.sessions() as session, session.begin():
        for event in events:
            env = event if isinstance(event, Envelope) else envelope(event)
            await HANDLERS[type(env.data)](session, [env])


async def person(
    app: Any,
    *,
    language: str = "nl",
    org: UUID | None = None,
    roles: tuple[Role, ...] = (Role.MEMBER,),
    email: str | None = "auto",
) -> tuple[str, str | None]:
    """A person in the recipients read model (registered, with roles and an address): (id, address)."""
    pid = f"p-{uuid4().hex[:10]}"
    now = datetime.now(UTC)
    address = f"{pid}@example.nl" if email == "auto" else email
    events: list[EventData] = [
        PersonRegistered(person_id=pid, organisation_id=org, name=f"Name {pid}", language=language, registered_at=now)
    ]
    events += [PersonRoleGranted(person_id=pid, role=r, organisation_id=org, granted_at=now) for r in roles]
    if address:
        events.append(PersonContactChanged(person_id=pid, email=address, changed_at=now))
    await handle(app, *events)
    return pid, address


async def publish(producer: AIOKafkaProducer, *events: EventData | Envelope[Any]) -> None:
    for event in events:
        env = event if isinstance(event, Envelope) else envelope(event)
        key, value, headers = encode(env)
        await producer.send_and_wait(env.data.TOPIC.name, value=value, key=key, headers=headers)


class Kit:
    """The helpers above, bound to the module's app (test modules cannot import conftest)."""

    def __init__(self, app: Any, producer: AIOKafkaProducer) -> None:
        self.app, self.producer = app, producer

    async def handle(self, *events: EventData | Envelope[Any]) -> None:
        await handle(self.app, *events)

    async def person(self, **kw: Any) -> tuple[str, str | None]:
        return await person(self.app, **kw)

    async def publish(self, *events: EventData | Envelope[Any]) -> None:
        await publish(self.producer, *events)

    async def rows(self, sql: str, **params: Any) -> list[Any]:
        async with self.app.state.sessions() as session:
            return list((await session.execute(text(sql), params)).mappings())

    async def organisation(self, size: int, **kw: Any) -> tuple[UUID, list[tuple[str, str | None]]]:
        """An organisation (in the read model) with `size` people; (its id, [(person, address)])."""
        org = uuid4()
        joined = MemberJoined(
            organisation_id=org,
            name=f"Org {org.hex[:6]}",
            kind=OrganisationKind.MUNICIPALITY,
            contact_person_id=f"c-{org.hex[:6]}",
            joined_at=datetime(2020, 1, 1, tzinfo=UTC),
        )
        await self.handle(joined)
        return org, [await self.person(org=org, **kw) for _ in range(size)]


@pytest.fixture
def kit(app: Any, kafka_producer: AIOKafkaProducer) -> Kit:
    return Kit(app, kafka_producer)
