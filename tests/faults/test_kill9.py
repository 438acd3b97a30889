"""kill -9 the publishing and the consuming service in the middle of a stream of 10,000 events of a
cross-service flow; after the restarts every effect exists exactly once, and the dedupe paths were used:
records republished by the restarted relay, events read again by the restarted consumer."""

import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import asyncpg
from npd_benchmark.cycles import service as cycles
from npd_benchmark.cycles.domain import submission_id
from npd_benchmark.main import PUBLISHES as BENCHMARK_PUBLISHES
from npd_contracts import MemberJoined, Role, SubmissionReminded
from npd_contracts.meetings import MeetingScheduled
from npd_events.main import PUBLISHES as EVENTS_PUBLISHES
from npd_events.meetings import service as meetings
from npd_events.meetings.domain import Audience as MeetingAudience
from npd_events.meetings.domain import MeetingFormat, Plan, When
from npd_membership.main import PUBLISHES as MEMBERSHIP_PUBLISHES
from npd_membership.organisations import service as organisations
from npd_runtime import Principal
from npd_runtime.outbox import Publisher
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from .conftest import ServiceProcess, committed_offsets, connected, end_offsets, libpq, report, until
from .scenario import Flow, exactly_once, kill_both

N = int(os.environ.get("FAULTS_EVENTS", "10000"))  # a smaller stream while working on the suite
CHUNK = 250  # admissions per transaction: the rows reach the outbox as a stream, not one burst


async def _applications(database_url: str, n: int) -> list[UUID]:
    """n open applications, COPYed into membership's table (what is under test is the admission), all with one
    contact person whom the first admission registers: the other admissions publish MemberJoined alone, so
    the stream is 10,000 MemberJoined, not 10,000 of them among 40,000 registrations and role grants."""
    now = datetime.now(UTC)
    tag = uuid4().hex[:8]
    contact = f"faults-{tag}"
    rows = [
        (uuid4(), f"Faults {tag} {i}", "municipality", "applied", contact, f"{contact}@example.nl", now)
        for i in range(n)
    ]
    conn = await asyncpg.connect(libpq(database_url))
    try:
        await conn.copy_records_to_table(
            "organisations",
            records=rows,
            columns=["id", "name", "kind", "status", "contact_person_id", "contact_email", "applied_at"],
        )
        await conn.execute("ANALYZE organisations")
    finally:
        await conn.close()
    return [row[0] for row in rows]


async def _admit_all(database_url: str, ids: list[UUID]) -> None:
    """Membership's own use case, in-process, CHUNK admissions per transaction: the outbox rows are exactly
    those the HTTP endpoint writes (MemberJoined, the contact's registration and roles)."""
    engine = create_async_engine(database_url)
    info = Publisher("/npd/membership", frozenset(MEMBERSHIP_PUBLISHES)).session_info()
    try:
        for start in range(0, len(ids), CHUNK):
            async with AsyncSession(engine, info=info) as session, session.begin():
                for org_id in ids[start : start + CHUNK]:
                    await organisations.admit_organisation(session, org_id, by="fault-suite")
    finally:
        await engine.dispose()


async def test_admission_to_welcome_survives_kill_9_of_both_services(
    processes: Callable[..., ServiceProcess], fault_env: dict[str, str], kafka: str
) -> None:
    membership, notifications = processes("membership"), processes("notifications")
    membership_db, notifications_db = fault_env["MEMBERSHIP_DATABASE_URL"], fault_env["NOTIFICATIONS_DATABASE_URL"]
    ids = await _applications(membership_db, N)
    wanted = {str(i) for i in ids}

    async def welcomes() -> int:
        async with connected(notifications_db) as conn:
            return int(
                await conn.fetchval(
                    "SELECT count(*) FROM messages WHERE rule = 'member_joined.welcome' AND organisation_id = ANY($1)",
                    ids,
                )
            )

    flow = Flow(
        name="admission -> welcome",
        publisher=membership,
        consumer=notifications,
        topic=MemberJoined.TOPIC.name,
        event_type=MemberJoined.TYPE,
        expected=N,
        publisher_db=membership_db,
        consumer_db=notifications_db,
        effects=welcomes,
    )
    outcome = await kill_both(flow, _admit_all(membership_db, ids), kafka)

    async with connected(notifications_db) as conn:
        messages = await conn.fetch(
            "SELECT organisation_id::text, count(*) FROM messages "
            "WHERE rule = 'member_joined.welcome' AND organisation_id = ANY($1) GROUP BY 1",
            ids,
        )
        inbox = await conn.fetch(
            "SELECT n.organisation_id::text, count(*) FROM notifications n JOIN messages m ON m.id = n.message_id "
            "WHERE m.rule = 'member_joined.welcome' AND m.organisation_id = ANY($1) GROUP BY 1",
            ids,
        )
    exactly_once([(r[0], r[1]) for r in messages], wanted, "welcome messages per admitted organisation")
    exactly_once([(r[0], r[1]) for r in inbox], wanted, "welcome inbox items per admitted organisation")
    report(
        f"{flow.name}: {N} admissions, {outcome.records} MemberJoined records on the topic, "
        f"republished {outcome.republished}, redelivered to the restarted consumer {outcome.redelivered}, "
        f"every welcome exactly once ({outcome.seconds:.0f} s)"
    )
    assert outcome.republished > 0, "the restarted relay published nothing again: the kill point missed"
    assert outcome.redelivered > 0, "the restarted consumer skipped nothing as a duplicate: the kill point missed"


CYCLES = 20  # reminders go out per cycle, one transaction each: 20 cycles make a stream, not one burst


async def _open_cycles_with_submissions(database_url: str, n: int) -> tuple[list[UUID], list[UUID]]:
    """CYCLES open benchmark cycles sharing n invited organisations' submissions, COPYed into benchmark's
    tables (the invitations are not under test here; the reminders are)."""
    now = datetime.now(UTC)
    organisations_ = [uuid4() for _ in range(n)]
    cycle_ids = [uuid4() for _ in range(CYCLES)]
    async with connected(database_url) as conn:
        year = await conn.fetchval("SELECT greatest(2200, coalesce(max(year), 0) + 1) FROM cycles")
        await conn.executemany(
            "INSERT INTO cycles (id, year, catalogue_version, deadline, status, k, opened_at) "
            "VALUES ($1, $2, '2026.1', $3, 'open', 5, $4)",
            [(cycle_id, year + i, now + timedelta(days=30), now) for i, cycle_id in enumerate(cycle_ids)],
        )
        records = [
            (submission_id(cycle_ids[i % CYCLES], o), cycle_ids[i % CYCLES], o, "invited", now)
            for i, o in enumerate(organisations_)
        ]
        await conn.copy_records_to_table(
            "submissions", records=records, columns=["id", "cycle_id", "organisation_id", "status", "invited_at"]
        )
    return cycle_ids, organisations_


async def _remind(database_url: str, cycle_ids: list[UUID]) -> None:
    """Benchmark's own use case, in-process: one SubmissionReminded per organisation yet to submit, a
    transaction per cycle."""
    engine = create_async_engine(database_url)
    info = Publisher("/npd/benchmark", frozenset(BENCHMARK_PUBLISHES)).session_info()
    try:
        for cycle_id in cycle_ids:
            async with AsyncSession(engine, info=info) as session, session.begin():
                await cycles.remind(session, cycle_id)
    finally:
        await engine.dispose()


async def test_cycle_reminders_survive_kill_9_of_both_services(
    processes: Callable[..., ServiceProcess], fault_env: dict[str, str], kafka: str
) -> None:
    benchmark, notifications = processes("benchmark"), processes("notifications")
    benchmark_db, notifications_db = fault_env["BENCHMARK_DATABASE_URL"], fault_env["NOTIFICATIONS_DATABASE_URL"]

    # Benchmark invites every organisation that joins to each open cycle: let it read the admissions of
    # earlier tests before the cycles open, or the stream would be those invitations, not the reminders.
    async def caught_up() -> bool:
        ends = await end_offsets(kafka, MemberJoined.TOPIC.name)
        done = await committed_offsets(kafka, "benchmark", MemberJoined.TOPIC.name)
        return all(done.get(p, 0) >= end for p, end in ends.items())

    await until(caught_up, "benchmark reading the admissions of earlier tests", 300, every_s=1)
    cycle_ids, ids = await _open_cycles_with_submissions(benchmark_db, N)

    async def reminders() -> int:
        async with connected(notifications_db) as conn:
            return int(
                await conn.fetchval(
                    "SELECT count(*) FROM messages WHERE rule = 'submission_reminded.org_admins' "
                    "AND organisation_id = ANY($1)",
                    ids,
                )
            )

    flow = Flow(
        name="cycle -> reminders",
        publisher=benchmark,
        consumer=notifications,
        topic=SubmissionReminded.TOPIC.name,
        event_type=SubmissionReminded.TYPE,
        expected=N,
        publisher_db=benchmark_db,
        consumer_db=notifications_db,
        effects=reminders,
    )
    outcome = await kill_both(flow, _remind(benchmark_db, cycle_ids), kafka)

    async with connected(notifications_db) as conn:
        messages = await conn.fetch(
            "SELECT organisation_id::text, count(*) FROM messages "
            "WHERE rule = 'submission_reminded.org_admins' AND organisation_id = ANY($1) GROUP BY 1",
            ids,
        )
    exactly_once([(r[0], r[1]) for r in messages], {str(i) for i in ids}, "reminders per invited organisation")
    report(
        f"{flow.name}: {N} reminders, {outcome.records} SubmissionReminded records on the topic, "
        f"republished {outcome.republished}, redelivered to the restarted consumer {outcome.redelivered}, "
        f"every reminder exactly once ({outcome.seconds:.0f} s)"
    )
    assert outcome.republished > 0, "the restarted relay published nothing again: the kill point missed"
    assert outcome.redelivered > 0, "the restarted consumer skipped nothing as a duplicate: the kill point missed"


async def _schedule_all(database_url: str, group_id: UUID, tag: str, n: int) -> None:
    """The events service's own use case, in-process, CHUNK meetings per transaction, by a network admin."""
    engine = create_async_engine(database_url)
    info = Publisher("/npd/events", frozenset(EVENTS_PUBLISHES)).session_info()
    admin = Principal("fault-suite", roles=frozenset({Role.NETWORK_ADMIN}))
    starts = datetime.now(UTC) + timedelta(days=60)
    try:
        for start in range(0, n, CHUNK):
            async with AsyncSession(engine, info=info) as session, session.begin():
                now = datetime.now(UTC)
                for i in range(start, min(n, start + CHUNK)):
                    plan = Plan(
                        f"Faults {tag} {i}", "", MeetingFormat.WORKING_GROUP_SESSION, MeetingAudience.GROUP,
                        group_id, None, True, "https://meet.example/faults", None, None,
                    )  # fmt: skip
                    when = When(
                        starts + timedelta(minutes=i), starts + timedelta(minutes=i + 60), "Europe/Amsterdam", None
                    )
                    await meetings.schedule_meeting(session, plan, when, admin, now)
    finally:
        await engine.dispose()


async def test_meeting_invitations_survive_kill_9_of_both_services(
    processes: Callable[..., ServiceProcess], fault_env: dict[str, str], kafka: str
) -> None:
    events, notifications = processes("events"), processes("notifications")
    events_db, notifications_db = fault_env["EVENTS_DATABASE_URL"], fault_env["NOTIFICATIONS_DATABASE_URL"]
    tag, group_id = uuid4().hex[:8], uuid4()
    async with connected(events_db) as conn:  # the group as events' read model knows it from membership
        await conn.execute(
            "INSERT INTO groups (id, name, kind, archived, changed_at) VALUES ($1, $2, 'working_group', false, now())",
            group_id,
            f"Faults {tag}",
        )
    pattern = f"%Faults {tag} %"

    async def invitations() -> int:
        async with connected(notifications_db) as conn:
            return int(
                await conn.fetchval(
                    "SELECT count(*) FROM messages WHERE rule = 'meeting_scheduled.members' AND title_nl LIKE $1",
                    pattern,
                )
            )

    flow = Flow(
        name="meeting -> invitations",
        publisher=events,
        consumer=notifications,
        topic=MeetingScheduled.TOPIC.name,
        event_type=MeetingScheduled.TYPE,
        expected=N,
        publisher_db=events_db,
        consumer_db=notifications_db,
        effects=invitations,
    )
    outcome = await kill_both(flow, _schedule_all(events_db, group_id, tag, N), kafka)

    async with connected(notifications_db) as conn:
        messages = await conn.fetch(
            "SELECT title_nl, count(*) FROM messages WHERE rule = 'meeting_scheduled.members' AND title_nl LIKE $1 "
            "GROUP BY 1",
            pattern,
        )
    titles = {f"Nieuwe bijeenkomst: Faults {tag} {i}" for i in range(N)}
    exactly_once([(r[0], r[1]) for r in messages], titles, "invitations per scheduled meeting")
    report(
        f"{flow.name}: {N} meetings, {outcome.records} MeetingScheduled records on the topic, "
        f"republished {outcome.republished}, redelivered to the restarted consumer {outcome.redelivered}, "
        f"every invitation exactly once ({outcome.seconds:.0f} s)"
    )
    assert outcome.republished > 0, "the restarted relay published nothing again: the kill point missed"
    assert outcome.redelivered > 0, "the restarted consumer skipped nothing as a duplicate: the kill point missed"
