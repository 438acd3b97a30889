"""The per-person calendar feed at the planned scale: 20,000 meetings a year and 200,000 people. Not a test:
it prints figures to compare.

    make bench-calendar                                   # 300 feeds, one request at a time
    uv run python bench/calendar_feed.py --requests 500

Starts its own Kafka and PostgreSQL (empty), migrates and starts the events service as its own process (as
`make run` does) and fills its database with COPY: 300 groups, 100 venues, 20,000 meetings over a year (from
90 days back, 80 % held by a group, 2 % cancelled), 200,000 people of the network each in 0-5 groups (2.5 on
average) and with 5 registrations. Then a calendar client's request for the feeds of randomly chosen people,
over HTTP without login (GET /v1/calendar/feeds/{token}.ics), one at a time.

Baseline in the same run, request by request: the very statements the endpoint runs (the token's row, the
person's access, the feed's meetings and their venues, compiled from npd_events.calendars.service) through a
bare asyncpg connection; the difference is HTTP, the ORM-free mapping and rendering the iCalendar text.
"""

import argparse
import hashlib
import random
import secrets
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import uvloop
from fresh import fresh_infra
from lean_http import LeanHttp
from npd_devstack.platform import Platform
from npd_events.calendars import service
from npd_runtime.access import _LOAD as ACCESS_LOAD
from results import figure, record
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg

DIALECT = PGDialect_asyncpg()
FORMATS = ("working_group_session", "expert_community_session", "knowledge_session", "network_meeting")


def bare(stmt: Any, params: dict[str, Any] | None = None) -> tuple[str, list[Any]]:
    """The SQL and positional arguments SQLAlchemy sends to asyncpg for `stmt`."""
    compiled = stmt.compile(dialect=DIALECT, compile_kwargs={"render_postcompile": True})
    values = compiled.construct_params(params)
    return compiled.string, [values[name] for name in compiled.positiontup or ()]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def build(dsn: str, args: argparse.Namespace) -> tuple[list[tuple[str, str]], int]:
    """Fill the events database; the (person, feed token) pairs to ask for, and the meetings written."""
    rng = random.Random(7)
    now = datetime.now(UTC)
    connection = await asyncpg.connect(dsn)
    try:
        groups = [uuid4() for _ in range(args.groups)]
        await connection.copy_records_to_table(
            "groups",
            records=[(g, f"Groep {i}", "working_group", False, now) for i, g in enumerate(groups)],
            columns=["id", "name", "kind", "archived", "changed_at"],
        )
        venues = [uuid4() for _ in range(100)]
        await connection.copy_records_to_table(
            "venues",
            records=[(v, uuid4(), f"Stadhuis {i}", "Plein 1", "1000 AA", "Utrecht", now) for i, v in enumerate(venues)],
            columns=["id", "organisation_id", "name", "address", "postal_code", "city", "created_at"],
        )
        first = now - timedelta(days=90)
        meetings: list[tuple[Any, ...]] = []
        for i in range(args.meetings):
            starts = first + timedelta(minutes=rng.randrange(365 * 24 * 60 // 15) * 15)
            cancelled = rng.random() < 0.02
            host = rng.choice(groups) if rng.random() < 0.8 else None
            meetings.append(
                (uuid4(), f"Bijeenkomst {i}", "Over het werk van de groep, met koffie.", rng.choice(FORMATS),
                 "group" if host else "network", host, rng.choice(venues), rng.random() < 0.5, starts,
                 starts + timedelta(hours=2), "Europe/Amsterdam", "cancelled" if cancelled else "scheduled",
                 1 if cancelled else 0, "bench", now)
            )  # fmt: skip
        await connection.copy_records_to_table(
            "meetings",
            records=meetings,
            columns=["id", "title", "description", "format", "audience", "host_group_id", "venue_id", "online",
                     "starts_at", "ends_at", "time_zone", "status", "sequence", "created_by", "created_at"],
        )  # fmt: skip
        meeting_ids = [m[0] for m in meetings]
        people = [f"person-{i:06d}" for i in range(args.people)]
        organisations = [uuid4() for _ in range(1_000)]
        await connection.copy_records_to_table(
            "access_people",
            records=[(p, organisations[i % len(organisations)], now) for i, p in enumerate(people)],
            columns=["person_id", "organisation_id", "changed_at"],
        )
        await connection.copy_records_to_table(
            "access_roles",
            records=[(p, "member", organisations[i % len(organisations)], True, now) for i, p in enumerate(people)],
            columns=["person_id", "role", "organisation_id", "held", "changed_at"],
        )
        await connection.copy_records_to_table(
            "access_group_members",
            records=[(p, g, "member", True, now) for p in people for g in rng.sample(groups, rng.randint(0, 5))],
            columns=["person_id", "group_id", "role", "held", "changed_at"],
        )
        registrations = [
            (uuid4(), m, p, "confirmed", n + 1, now, now)
            for p in people
            for n, m in enumerate(rng.sample(meeting_ids, args.registrations))
        ]
        await connection.copy_records_to_table(
            "registrations",
            records=registrations,
            columns=["id", "meeting_id", "person_id", "status", "queue_position", "registered_at", "confirmed_at"],
        )
        chosen = rng.sample(people, args.requests)
        tokens = [(p, secrets.token_urlsafe(32)) for p in chosen]
        await connection.copy_records_to_table(
            "feed_tokens",
            records=[(hashlib.sha256(t.encode()).hexdigest(), p, now) for p, t in tokens],
            columns=["token_hash", "person_id", "created_at"],
        )
        await connection.execute("ANALYZE")
        return tokens, len(meetings)
    finally:
        await connection.close()


async def bare_feed(connection: asyncpg.Connection, token: str) -> int:
    """The endpoint's statements, on asyncpg: token, access, meetings, venues."""
    digest = hashlib.sha256(token.encode()).hexdigest()
    row = await connection.fetchrow("SELECT token_hash, person_id, created_at, revoked_at FROM feed_tokens "
                                    "WHERE token_hash = $1", digest)  # fmt: skip
    person = row["person_id"]
    access = await connection.fetch(*flat(ACCESS_LOAD, {"person_id": person}))
    groups = frozenset(UUID(r[1]) for r in access if r[0] == "group")
    rows = await connection.fetch(*flat(service.personal_statement(person, groups, service.since())))
    venue_ids = {r["venue_id"] for r in rows if r["venue_id"] is not None}
    if venue_ids:
        await connection.fetch(*flat(service.venues_statement(venue_ids)))
    return len(rows)


def flat(stmt: Any, params: dict[str, Any] | None = None) -> list[Any]:
    sql, values = bare(stmt, params)
    return [sql, *values]


async def measure(platform: Platform, args: argparse.Namespace) -> None:
    dsn = platform.infra.postgres.dsn("events")
    print(f"building {args.meetings:,} meetings and {args.people:,} people with COPY ...", flush=True)
    t0 = time.monotonic()
    tokens, _ = await build(dsn, args)
    print(f"  built and analysed in {time.monotonic() - t0:.0f} s", flush=True)
    connection = await asyncpg.connect(dsn)
    try:
        async with LeanHttp(platform.url("events"), connections=1) as client:
            for _, token in tokens[:20]:  # warm both up
                status, body = await client.get(f"/v1/calendar/feeds/{token}.ics", {})
                assert status == 200, (status, body[:300])
                await bare_feed(connection, token)
            http, sql, events, sizes = [], [], [], []
            # Interleaved, request by request, so both see the same machine at the same moment.
            for _, token in tokens:
                start = time.perf_counter()
                status, body = await client.get(f"/v1/calendar/feeds/{token}.ics", {})
                http.append((time.perf_counter() - start) * 1000)
                assert status == 200
                sizes.append(len(body))
                start = time.perf_counter()
                events.append(await bare_feed(connection, token))
                sql.append((time.perf_counter() - start) * 1000)
    finally:
        await connection.close()
    h50, h99, s50, s99 = (percentile(v, p) for v in (http, sql) for p in (50, 99))
    print()
    print(f"{len(tokens)} feeds, one request at a time; latency in ms; baseline: its SQL on asyncpg")
    print(f"{'':<28} {'HTTP p50':>9} {'p99':>7} {'SQL p50':>8} {'p99':>7} {'ratio p50':>10} {'p99':>6}")
    print(
        f"{'personal feed (.ics)':<28} {h50:9.2f} {h99:7.2f} {s50:8.2f} {s99:7.2f} {h50 / s50:9.1f}x {h99 / s99:5.1f}x"
    )
    print(f"  {statistics.mean(events):.0f} events per feed on average (max {max(events)}), "
          f"{statistics.mean(sizes) / 1024:.0f} KiB; mean HTTP {statistics.mean(http):.2f} ms")  # fmt: skip
    base = "its SQL alone on asyncpg"
    name = f"calendar feed at {args.meetings:,} meetings, {args.people:,} people"
    record(
        figure("calendar_feed", f"{name}: HTTP p50", h50, "ms", baseline=s50, baseline_name=base),
        figure("calendar_feed", f"{name}: HTTP p99", h99, "ms", baseline=s99, baseline_name=base),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--meetings", type=int, default=20_000)
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--groups", type=int, default=300)
    parser.add_argument("--registrations", type=int, default=5, help="per person")
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    with fresh_infra() as infra, Platform(infra, services=("events",), base_port=8311, log_level="WARNING") as platform:
        uvloop.run(measure(platform, args))


if __name__ == "__main__":
    main()
