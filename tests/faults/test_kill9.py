"""kill -9 the publishing and the consuming service in the middle of a stream of 10,000 events of a
cross-service flow; after the restarts every effect exists exactly once, and the dedupe paths were used:
records republished by the restarted relay, events read again by the restarted consumer."""

import os
from collections.abc import Callable
from datetime import UTC, datetime
from uuid import UUID, uuid4

import asyncpg
from npd_contracts import MemberJoined
from npd_membership.main import PUBLISHES as MEMBERSHIP_PUBLISHES
from npd_membership.organisations import service as organisations
from npd_runtime.outbox import Publisher
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from .conftest import ServiceProcess, connected, libpq, report
from .scenario import Flow, exactly_once, kill_both

N = int(os.environ.get("FAULTS_EVENTS", "10000"))  # a smaller stream while working on the suite
CHUNK = 250  # admissions per transaction: the rows reach the outbox as a stream, not one burst


async def _applications(database_url: str, n: int) -> list[UUID]:
    """n open applications, COPYed into membership's table (what is under test is the admission)."""
    now = datetime.now(UTC)
    tag = uuid4().hex[:8]
    rows = [
        (uuid4(), f"Faults {tag} {i}", "municipality", "applied", f"faults-{tag}-{i}", f"c{i}@{tag}.example", now)
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
