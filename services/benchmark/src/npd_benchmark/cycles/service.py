"""Cycle use cases: open, invite (late joiners too), remind, close. Submissions live in submissions.py;
publication in results. Nothing here commits; the entrypoint owns the transaction."""

from datetime import UTC, datetime
from uuid import UUID, uuid4

import npd_contracts as contracts
from npd_runtime import publish
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from npd_benchmark.catalogue import service as catalogue
from npd_benchmark.cycles.domain import Cycle, CycleStatus, Submission, SubmissionStatus, submission_id
from npd_benchmark.models import CYCLES, PEERS, SUBMISSIONS, cycles, peers, submissions
from npd_benchmark.peers import PeerStatus


class CycleNotFound(LookupError):
    def __init__(self, cycle_id: object) -> None:
        super().__init__(f"cycle {cycle_id} does not exist")


class DuplicateYear(Exception):
    def __init__(self, year: int) -> None:
        super().__init__(f"a cycle for {year} exists already")


class NotAMember(Exception):
    def __init__(self, org_id: UUID) -> None:
        super().__init__(f"organisation {org_id} is not a member of the network")


def now() -> datetime:
    return datetime.now(UTC)


async def get_cycle(session: AsyncSession, cycle_id: UUID, *, for_update: bool = False) -> Cycle:
    cycle = await CYCLES.get(session, cycle_id, for_update=for_update)
    if cycle is None:
        raise CycleNotFound(cycle_id)
    return cycle


async def list_cycles(session: AsyncSession) -> list[Cycle]:
    return await CYCLES.all(session, CYCLES.select().order_by(cycles.c.year.desc()))


async def open_cycle(session: AsyncSession, year: int, version: str, deadline: datetime, k: int) -> Cycle:
    await catalogue.catalogue(session, version)  # it must exist
    if await session.scalar(select(cycles.c.id).where(cycles.c.year == year)):
        raise DuplicateYear(year)
    at = now()
    cycle = Cycle(uuid4(), year, version, deadline, CycleStatus.OPEN, k, at)
    opened = contracts.BenchmarkCycleOpened(
        cycle_id=cycle.id, year=year, catalogue_version=version, deadline=deadline, opened_at=at
    )
    await CYCLES.insert(session, [cycle], events=[opened])
    members = await session.scalars(select(peers.c.id).where(peers.c.status == PeerStatus.MEMBER.value))
    await _invite(session, cycle, list(members), at)
    return cycle


async def _invite(session: AsyncSession, cycle: Cycle, org_ids: list[UUID], at: datetime) -> list[Submission]:
    taken = set(
        await session.scalars(
            select(submissions.c.organisation_id).where(
                submissions.c.cycle_id == cycle.id, submissions.c.organisation_id.in_(org_ids)
            )
        )
    )
    new = [
        Submission(submission_id(cycle.id, o), cycle.id, o, SubmissionStatus.INVITED, at)
        for o in org_ids
        if o not in taken
    ]
    events = [
        contracts.OrganisationInvited(
            cycle_id=cycle.id,
            organisation_id=s.organisation_id,
            submission_id=s.id,
            deadline=cycle.deadline,
            invited_at=at,
        )
        for s in new
    ]
    if new:
        await SUBMISSIONS.insert(session, new)
        await publish(session, *events)
    return new


async def invite(session: AsyncSession, cycle_id: UUID, org_id: UUID) -> Submission:
    """Invite one member organisation (one that joined after the cycle opened, say); inviting twice is a no-op."""
    cycle = await get_cycle(session, cycle_id, for_update=True)
    cycle.check_invitable()
    peer = await PEERS.get(session, org_id)
    if peer is None or peer.status is PeerStatus.LEFT:
        raise NotAMember(org_id)
    await _invite(session, cycle, [org_id], now())
    found = await SUBMISSIONS.get(session, submission_id(cycle_id, org_id))
    assert found is not None
    return found


async def invite_late_joiner(session: AsyncSession, org_id: UUID, at: datetime) -> None:
    """A new member is invited to every open cycle whose deadline has not passed."""
    stmt = CYCLES.select().where(cycles.c.status == CycleStatus.OPEN.value, cycles.c.deadline > at)
    for cycle in await CYCLES.all(session, stmt.with_for_update()):
        await _invite(session, cycle, [org_id], at)


async def remind(session: AsyncSession, cycle_id: UUID) -> int:
    """A reminder event for each invited organisation that has not submitted yet; how many."""
    cycle = await get_cycle(session, cycle_id, for_update=True)
    cycle.check_invitable()
    at = now()
    stmt = SUBMISSIONS.select().where(
        submissions.c.cycle_id == cycle_id,
        submissions.c.status.in_([SubmissionStatus.INVITED.value, SubmissionStatus.DRAFT.value]),
    )
    waiting = await SUBMISSIONS.all(session, stmt)
    if not waiting:
        return 0
    await session.execute(
        submissions.update().where(submissions.c.id.in_([s.id for s in waiting])).values(reminded_at=at)
    )
    await publish(
        session,
        *(
            contracts.SubmissionReminded(
                cycle_id=cycle_id,
                organisation_id=s.organisation_id,
                submission_id=s.id,
                deadline=cycle.deadline,
                reminded_at=at,
            )
            for s in waiting
        ),
    )
    return len(waiting)


async def close_cycle(session: AsyncSession, cycle_id: UUID) -> Cycle:
    cycle = await get_cycle(session, cycle_id, for_update=True)
    closed = cycle.close(now())
    all_ = await SUBMISSIONS.all(session, SUBMISSIONS.select().where(submissions.c.cycle_id == cycle_id))
    event = contracts.BenchmarkCycleClosed(
        cycle_id=cycle_id,
        participants=len(all_),
        final_submissions=sum(s.status is SubmissionStatus.FINAL for s in all_),
        closed_at=closed.closed_at or now(),
    )
    await CYCLES.update(session, closed, "status", "closed_at", events=[event])
    return closed
