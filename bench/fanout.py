"""Fan-out at scale: an announcement to 200,000 recipients. Not a test: it prints figures to compare.

    make bench-fanout                       # 200,000 recipients, 3 announcements, 20,000 mails sent
    uv run python bench/fanout.py --recipients 50000 --send 5000

Starts its own PostgreSQL (empty), migrates notifications, fills the recipients read model with COPY, then:
1. Records the deliveries of a network-wide announcement through the service's own code
   (`npd_notifications.fanout.fan_out`: one INSERT ... SELECT each for inbox items and e-mail deliveries,
   with each person's language and preferences), timed to the commit. Baseline in the same run: a plain
   COPY of the same number of rows into tables made LIKE the two (same columns and indexes), in one
   transaction.
2. Sends mail to a local SMTP sink (aiosmtpd, on loopback) through the service's sending worker (claim with
   FOR UPDATE SKIP LOCKED, pooled SMTP connections, outcome and NotificationDelivered event per mail in
   one transaction per batch), and reports mails per second. Baseline in the same run: the same number
   of the same mails composed and sent over as many connections, with no database.
"""

import argparse
import asyncio
import io
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
from npd_contracts import EventData, NotificationDelivered, NotificationFailed, WebhookEndpointDisabled
from npd_devstack.cache import free_ports
from npd_devstack.platform import migrate
from npd_devstack.postgres import PostgresCluster
from npd_devstack.smtp_sink import MailSink, SinkServer
from npd_notifications.config import NotificationsSettings
from npd_notifications.domain import Audience, Category, Message
from npd_notifications.fanout import fan_out
from npd_notifications.mail import Mail, Mailer, compose
from npd_notifications.sender import Sender
from npd_runtime.db import create_sessions
from npd_runtime.outbox import Publisher
from results import figure, record
from sqlalchemy.ext.asyncio import create_async_engine


class CountingSink(MailSink):
    """Counts what arrives without parsing it, so the sink is not what is measured."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.count += 1
        return "250 Message accepted for delivery"


def dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def fill(connection: asyncpg.Connection, recipients: int) -> None:
    organisations = [uuid.uuid4() for _ in range(1000)]
    rows = (
        (
            f"person-{i:06d}",
            organisations[i % 1000],
            f"Person {i}",
            "en" if i % 5 == 0 else "nl",
            f"p{i}@bench.nl",
            True,
        )
        for i in range(recipients)
    )
    await connection.copy_records_to_table(
        "recipients",
        records=rows,
        columns=["person_id", "organisation_id", "name", "language", "email", "active"],
    )
    await connection.execute("ANALYZE recipients")


def message(n: int) -> Message:
    return Message(
        id=uuid.uuid4(),
        source_event_id=f"announcement:bench-{n}",
        rule="announcement",
        category=Category.ANNOUNCEMENTS,
        title_nl="Nieuwe benchmarkronde",
        body_nl="De benchmark van dit jaar is geopend.",
        title_en="New benchmark cycle",
        body_en="This year's benchmark is open.",
        occurred_at=datetime.now(UTC),
    )


async def recorded_with_fan_out(url: str, n: int) -> tuple[float, int]:
    engine = create_async_engine(url)
    sessions = create_sessions(engine)
    try:
        started = time.perf_counter()
        async with sessions() as session, session.begin():
            inbox, mails = await fan_out(session, message(n), Audience(everyone=True))
        return time.perf_counter() - started, inbox + mails
    finally:
        await engine.dispose()


async def recorded_with_copy(connection: asyncpg.Connection, recipients: int) -> float:
    """The same rows (inbox items and deliveries) by COPY, into tables LIKE the service's (same indexes)."""
    await connection.execute("DROP TABLE IF EXISTS copy_notifications, copy_deliveries")
    await connection.execute("CREATE TABLE copy_notifications (LIKE notifications INCLUDING ALL)")
    await connection.execute("CREATE TABLE copy_deliveries (LIKE deliveries INCLUDING ALL)")
    message_id = uuid.uuid4()
    inbox = io.BytesIO()
    mails = io.BytesIO()
    now = datetime.now(UTC).isoformat()
    for i in range(recipients):
        person = f"person-{i:06d}"
        inbox.write(
            f"{uuid.uuid4()}\t{person}\tannouncement\tNieuwe benchmarkronde\tDe benchmark is geopend.\t\\N\t{now}\t"
            f"\\N\t{message_id}\tannouncements\t\\N\n".encode()
        )
        mails.write(f"{uuid.uuid4()}\t{message_id}\temail\t{person}\tpending\timmediate\n".encode())
    started = time.perf_counter()
    async with connection.transaction():
        inbox.seek(0)
        await connection.copy_to_table(
            "copy_notifications",
            source=inbox,
            columns=[
                "id", "recipient_person_id", "kind", "title", "body", "organisation_id", "created_at", "read_at",
                "message_id", "category", "archived_at",
            ],
        )  # fmt: skip
        mails.seek(0)
        await connection.copy_to_table(
            "copy_deliveries",
            source=mails,
            columns=["id", "message_id", "channel", "recipient", "status", "cadence"],
        )
    return time.perf_counter() - started


async def send_rate(url: str, port: int, sink: CountingSink, send: int, concurrency: int) -> float:
    """Mails per second through the sending worker, until `send` are out (deliveries beyond are left)."""
    settings = NotificationsSettings(
        database_url=url,
        oidc_issuer="unused",
        oidc_jwks_url="file:///unused",
        smtp_port=port,
        sender_concurrency=concurrency,
        sender_batch_size=500,
        unsubscribe_secret="bench",
    )
    engine = create_async_engine(url, pool_size=5)
    publishes: list[type[EventData]] = [NotificationDelivered, NotificationFailed, WebhookEndpointDisabled]
    sessions = create_sessions(engine, info=Publisher("/npd/notifications", frozenset(publishes)).session_info())
    sender = Sender(sessions, settings, b"bench")
    start_count = sink.count
    try:
        started = time.perf_counter()
        while sink.count - start_count < send:
            if await sender.round() == 0:
                break
        elapsed = time.perf_counter() - started
        return (sink.count - start_count) / elapsed
    finally:
        await sender.close()
        await engine.dispose()


async def bare_send_rate(port: int, sink: CountingSink, send: int, concurrency: int) -> float:
    settings = NotificationsSettings(
        database_url="unused", oidc_issuer="unused", oidc_jwks_url="file:///unused", smtp_port=port
    )
    mailer = Mailer(settings, concurrency)
    slots = asyncio.Semaphore(concurrency)

    async def one(i: int) -> None:
        # Composed here, as the worker composes each mail: only the database is left out.
        message = compose(
            Mail(uuid.uuid4(), f"p{i}@bench.nl", f"Person {i}", "Nieuwe benchmarkronde", "De benchmark is geopend.",
                 False, "http://127.0.0.1:8004/unsubscribe/x.y", "http://127.0.0.1:8004/v1/preferences"),
            settings.mail_from, "npd.example", datetime.now(UTC),
        )  # fmt: skip
        async with slots:
            await mailer.send(message)

    start_count = sink.count
    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(send)))
    elapsed = time.perf_counter() - started
    await mailer.close()
    return (sink.count - start_count) / elapsed


async def main_async(args: argparse.Namespace, url: str) -> None:
    connection = await asyncpg.connect(dsn(url))
    await fill(connection, args.recipients)
    print(f"recipients: {args.recipients:,} in the read model (1,000 organisations)", flush=True)
    fan_outs, copies = [], []
    for n in range(args.rounds):
        copies.append(await recorded_with_copy(connection, args.recipients))
        elapsed, rows = await recorded_with_fan_out(url, n)
        fan_outs.append(elapsed)
        print(f"  round {n + 1}: fan-out {elapsed:.2f} s ({rows:,} rows), COPY {copies[-1]:.2f} s", flush=True)
    await connection.execute("DROP TABLE copy_notifications, copy_deliveries")
    await connection.close()
    fan_out_s, copy_s = statistics.median(fan_outs), statistics.median(copies)
    print(
        f"fan-out of one announcement to {args.recipients:,}: deliveries recorded in {fan_out_s:.2f} s "
        f"(median of {args.rounds}; goal < 5 s), plain COPY of the same rows {copy_s:.2f} s, "
        f"ratio {fan_out_s / copy_s:.2f}"
    )
    record(
        figure("fanout", f"fan-out to {args.recipients:,} recipients, deliveries recorded (median of {args.rounds})",
               fan_out_s, "s", baseline=copy_s, baseline_name="plain COPY of the same rows",
               goal="< 5 s for 200,000" if args.recipients == 200_000 else None,
               met=fan_out_s < 5 if args.recipients == 200_000 else None),
    )  # fmt: skip

    sink = CountingSink()
    port = free_ports(1)[0]
    server = SinkServer(sink, port=port).start()
    try:
        bare = await bare_send_rate(port, sink, args.send, args.concurrency)
        rate = await send_rate(url, port, sink, args.send, args.concurrency)
    finally:
        server.stop()
    print(
        f"sending to a local SMTP sink ({args.concurrency} connections): {rate:,.0f} mails/s through the worker, "
        f"{bare:,.0f} mails/s bare (no database), ratio {bare / rate:.2f}"
    )
    record(
        figure("fanout", f"sending {args.send:,} mails to a local SMTP sink, {args.concurrency} connections", rate,
               "mails/s", baseline=bare, baseline_name="the same mails sent bare, no database"),
    )  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--send", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="npd-bench-fanout-"))
    cluster = PostgresCluster(root / "postgres", free_ports(1)[0])
    try:
        cluster.start()
        url = cluster.create_database("notifications")
        migrate("notifications", dict(os.environ) | {"NOTIFICATIONS_DATABASE_URL": url})
        asyncio.run(main_async(args, url))
    finally:
        cluster.stop()
        cluster.destroy()
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
