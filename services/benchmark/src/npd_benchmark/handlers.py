"""The events the benchmark consumes: membership's organisations (peer groups, late joiners) and erasures.
Each handler is a few lines: the read model (peers) or a use case does the work."""

from collections.abc import Mapping, Sequence

from npd_contracts import (
    Envelope,
    EventData,
    MemberJoined,
    MemberLeft,
    MemberReinstated,
    MemberSuspended,
    OrganisationProfileChanged,
    PersonErased,
)
from npd_runtime import Handler
from sqlalchemy.ext.asyncio import AsyncSession

from npd_benchmark import peers
from npd_benchmark.cycles import service as cycles
from npd_benchmark.cycles import submissions
from npd_benchmark.peers import PeerStatus


async def on_member_joined(session: AsyncSession, events: Sequence[Envelope[MemberJoined]]) -> None:
    await peers.take_profiles(session, [e.data for e in events], joined=True)
    for e in events:  # a member who joins while a cycle is open is invited to it (a late joiner)
        await cycles.invite_late_joiner(session, e.data.organisation_id, e.data.joined_at)


async def on_profile_changed(session: AsyncSession, events: Sequence[Envelope[OrganisationProfileChanged]]) -> None:
    await peers.take_profiles(session, [e.data for e in events], joined=False)


async def on_member_suspended(session: AsyncSession, events: Sequence[Envelope[MemberSuspended]]) -> None:
    changes = [(e.data.organisation_id, PeerStatus.SUSPENDED, e.data.suspended_at) for e in events]
    await peers.take_status(session, changes)


async def on_member_reinstated(session: AsyncSession, events: Sequence[Envelope[MemberReinstated]]) -> None:
    changes = [(e.data.organisation_id, PeerStatus.MEMBER, e.data.reinstated_at) for e in events]
    await peers.take_status(session, changes)


async def on_member_left(session: AsyncSession, events: Sequence[Envelope[MemberLeft]]) -> None:
    changes = [(e.data.organisation_id, PeerStatus.LEFT, e.data.left_at) for e in events]
    await peers.take_status(session, changes)


async def on_person_erased(session: AsyncSession, events: Sequence[Envelope[PersonErased]]) -> None:
    await submissions.anonymise(session, [e.data.person_id for e in events])


HANDLERS: Mapping[type[EventData], Handler] = {
    MemberJoined: on_member_joined,
    OrganisationProfileChanged: on_profile_changed,
    MemberSuspended: on_member_suspended,
    MemberReinstated: on_member_reinstated,
    MemberLeft: on_member_left,
    PersonErased: on_person_erased,
}
