"""Registration latency at the planned scale: 20,000 meetings a year and 200,000 people. Not a test: it prints
figures to compare.

    make bench-events                                   # 1,000 registrations
    uv run python bench/registration.py --requests 2000

Starts its own Kafka and PostgreSQL (empty), migrates and starts the events service as its own process (as
`make run` does), fills its database with COPY: the people (in the access read model every request reads, a
member role each), a year of meetings (network meetings of 20-200 places, a fifth unlimited) and 15
registrations a meeting on average (300,000, some meetings full with a waitlist). Then times POST
/v1/meetings/{id}/registrations over HTTP, one request at a time, each by another person for a random meeting
(token verified, principal loaded, meeting locked, registration and its event written, counters updated).
Baseline in the same run, request by request: the same transaction's statements on a bare asyncpg connection
(BEGIN, lock the meeting, look for a live registration, insert it and its outbox row, update the counters,
COMMIT).
"""

import argparse
import random
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import uvloop
from fresh import fresh_infra
from lean_http import LeanHttp
from npd_devstack.platform import Platform
from results import figure, record

NOW = datetime.now(UTC)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def build(dsn: str, meetings: int, people: int, per_meeting: int, rng: random.Random) -> list[uuid.UUID]:
    connection = await asyncpg.connect(dsn)
    try:
        org_ids = [uuid.uuid4() for _ in range(100)]
        persons = [f"person-{i}" for i in range(people)]
        await connection.copy_records_to_table(
            "access_people",
            records=[(p, org_ids[i % len(org_ids)], None, NOW) for i, p in enumerate(persons)],
            columns=["person_id", "organisation_id", "gone_at", "changed_at"],
        )
        await connection.copy_records_to_table(
            "access_roles",
            records=[(p, "member", org_ids[i % len(org_ids)], True, NOW) for i, p in enumerate(persons)],
            columns=["person_id", "role", "organisation_id", "held", "changed_at"],
        )
        meeting_rows, registration_rows, ids = [], [], []
        for i in range(meetings):
            meeting_id = uuid.uuid4()
            ids.append(meeting_id)
            starts = NOW + timedelta(days=1 + 364 * i / meetings, hours=rng.randrange(8, 18))
            capacity = None if rng.random() < 0.2 else rng.randrange(20, 201)
            n = min(rng.randrange(0, 2 * per_meeting + 1), people)
            taken = n if capacity is None else min(n, capacity)
            for position, person in enumerate(rng.sample(persons, n), start=1):
                confirmed = capacity is None or position <= capacity
                status = "confirmed" if confirmed else "waitlisted"
                registration_rows.append(
                    (uuid.uuid4(), meeting_id, person, status, position, NOW, NOW if confirmed else None, NOW)
                )
            meeting_rows.append(
                (meeting_id, f"Bijeenkomst {i}", "", "knowledge_session", "network", True, starts,
                 starts + timedelta(hours=2), "Europe/Amsterdam", capacity, "scheduled", False, 0, "bench", NOW,
                 taken, n + 1, NOW)
            )  # fmt: skip
        await connection.copy_records_to_table(
            "meetings",
            records=meeting_rows,
            columns=["id", "title", "description", "format", "audience", "online", "starts_at", "ends_at",
                     "time_zone", "capacity", "status", "detached", "sequence", "created_by", "created_at",
                     "taken", "next_position", "updated_at"],
        )  # fmt: skip
        await connection.copy_records_to_table(
            "registrations",
            records=registration_rows,
            columns=["id", "meeting_id", "person_id", "status", "queue_position", "registered_at",
                     "confirmed_at", "updated_at"],
        )  # fmt: skip
        await connection.execute("ANALYZE")
        print(f"  {len(meeting_rows):,} meetings, {people:,} people, {len(registration_rows):,} registrations")
        return ids
    finally:
        await connection.close()


# (SQL, which of (meeting id, person, new id) it takes)
BASELINE = [
    ("SELECT id, capacity, taken, next_position, status, starts_at, registration_deadline FROM meetings "
     "WHERE id = $1 FOR UPDATE", (0,)),
    ("SELECT id FROM registrations WHERE meeting_id = $1 AND person_id = $2 "
     "AND status IN ('confirmed', 'waitlisted', 'offered')", (0, 1)),
    ("INSERT INTO registrations (id, meeting_id, person_id, status, queue_position, registered_at, confirmed_at) "
     "VALUES ($3, $1, $2, 'confirmed', 1, now(), now())", (0, 1, 2)),
    ("INSERT INTO outbox (event_id, topic, key, type, source, subject, time, data) "
     "VALUES ($2, 'npd.events.meeting', $1, 'bench', '/bench', $1, now(), '{}')", (0, 2)),
    ("UPDATE meetings SET taken = taken + 1, next_position = next_position + 1 WHERE id = $1", (0,)),
]  # fmt: skip


async def bare(connection: asyncpg.Connection, meeting_id: uuid.UUID, person: str) -> None:
    args = (meeting_id, person, uuid.uuid4())
    async with connection.transaction():
        for sql, which in BASELINE:
            values = [args[i] for i in which]
            if "outbox" in sql:
                values = [str(v) for v in values]
            await connection.execute(sql, *values)


async def measure(platform: Platform, args: argparse.Namespace) -> None:
    rng = random.Random(7)
    dsn = platform.infra.postgres.dsn("events")
    print(f"building {args.meetings:,} meetings and {args.people:,} people with COPY ...", flush=True)
    t0 = time.monotonic()
    meetings = await build(dsn, args.meetings, args.people, 15, rng)
    print(f"  built and analysed in {time.monotonic() - t0:.0f} s", flush=True)
    # Fresh people (not among the registrations COPY made above would be just as good; these never are).
    callers = [f"person-{i}" for i in rng.sample(range(args.people), 2 * args.requests + 40)]
    tokens = {p: {"Authorization": f"Bearer {platform.infra.issuer.mint(p, [])}"} for p in callers}
    connection = await asyncpg.connect(dsn)
    http, sql = [], []
    statuses: dict[int, int] = {}
    try:
        async with LeanHttp(platform.url("events"), connections=1) as client:
            for warm in range(20):  # warm both up
                await client.post(f"/v1/meetings/{rng.choice(meetings)}/registrations", tokens[callers[warm]])
                await bare(connection, rng.choice(meetings), callers[20 + warm])
            # Interleaved, request by request, so both see the same machine at the same moment.
            for i in range(args.requests):
                person, other = callers[40 + 2 * i], callers[41 + 2 * i]
                start = time.perf_counter()
                status = await client.post(f"/v1/meetings/{rng.choice(meetings)}/registrations", tokens[person])
                http.append((time.perf_counter() - start) * 1000)
                statuses[status] = statuses.get(status, 0) + 1
                start = time.perf_counter()
                await bare(connection, rng.choice(meetings), other)
                sql.append((time.perf_counter() - start) * 1000)
    finally:
        await connection.close()
    h50, h99, s50, s99 = (percentile(v, p) for v in (http, sql) for p in (50, 99))
    print()
    print(f"{args.requests} registrations, one at a time; latency in ms; baseline: its statements on asyncpg")
    print(f"{'':<28} {'HTTP p50':>9} {'p99':>7} {'SQL p50':>8} {'p99':>7} {'ratio p50':>10} {'p99':>6}")
    print(f"{'POST .../registrations':<28} {h50:9.2f} {h99:7.2f} {s50:8.2f} {s99:7.2f} {h50 / s50:9.1f}x "
          f"{h99 / s99:5.1f}x   (mean HTTP {statistics.mean(http):.2f}; statuses {statuses})")  # fmt: skip
    base = "its statements in one asyncpg transaction"
    name = f"registration at {args.meetings:,} meetings, {args.people:,} people, one at a time"
    record(
        figure("registration", f"{name}: HTTP p50", h50, "ms", baseline=s50, baseline_name=base),
        figure("registration", f"{name}: HTTP p99", h99, "ms", baseline=s99, baseline_name=base, statuses=statuses),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--meetings", type=int, default=20_000)
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=1_000)
    args = parser.parse_args()
    with (
        fresh_infra() as infra,
        Platform(infra, services=("events",), base_port=8351, log_level="WARNING") as platform,
    ):
        uvloop.run(measure(platform, args))


if __name__ == "__main__":
    main()
