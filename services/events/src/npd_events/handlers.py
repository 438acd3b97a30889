"""Reactions to membership's events: contract events in, one service call each.

Deduplication, batching and the transaction are the runtime's (npd_runtime.consumer); the read models take
only changes newer than what they hold, and the reactions act on what is still to come, so a redelivered or
replayed event changes nothing twice.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

from npd_contracts import (
    Envelope,
    EventData,
    GroupArchived,
    GroupChanged,
    GroupCreated,
    MemberJoined,
    MemberLeft,
    MemberReinstated,
    MemberSuspended,
    OrganisationProfileChanged,
    PersonErased,
    PersonLeft,
    PersonLeftGroup,
)
from npd_runtime import Handler
from sqlalchemy.ext.asyncio import AsyncSession

from npd_events import erasure
from npd_events.network import service as network
from npd_events.network.domain import GroupKind, OrganisationKind, OrganisationStatus
from npd_events.registrations import service as registrations
from npd_events.registrations.domain import EndReason
from npd_events.rotation import service as rotation


def _now() -> datetime:
    return datetime.now(UTC)


async def on_member_joined(session: AsyncSession, events: Sequence[Envelope[MemberJoined]]) -> None:
    for e in events:
        d = e.data
        await network.organisation_joined(session, d.organisation_id, d.name, OrganisationKind(d.kind), d.joined_at)


async def on_profile_changed(session: AsyncSession, events: Sequence[Envelope[OrganisationProfileChanged]]) -> None:
    for e in events:
        d = e.data
        await network.organisation_changed(session, d.organisation_id, d.name, OrganisationKind(d.kind), d.changed_at)


async def on_member_suspended(session: AsyncSession, events: Sequence[Envelope[MemberSuspended]]) -> None:
    for e in events:
        await network.organisation_status(
            session, e.data.organisation_id, OrganisationStatus.SUSPENDED, e.data.suspended_at
        )


async def on_member_reinstated(session: AsyncSession, events: Sequence[Envelope[MemberReinstated]]) -> None:
    for e in events:
        await network.organisation_status(
            session, e.data.organisation_id, OrganisationStatus.MEMBER, e.data.reinstated_at
        )


async def on_member_left(session: AsyncSession, events: Sequence[Envelope[MemberLeft]]) -> None:
    """It leaves the rotation, and its chair duties for meetings after it left pass to the next organisations."""
    for e in events:
        await network.organisation_status(session, e.data.organisation_id, OrganisationStatus.LEFT, e.data.left_at)
        await rotation.organisation_left(session, [e.data.organisation_id], e.data.left_at)


async def on_group_created(session: AsyncSession, events: Sequence[Envelope[GroupCreated]]) -> None:
    for e in events:
        d = e.data
        await network.group_created(session, d.group_id, d.name, GroupKind(d.kind), d.created_at)


async def on_group_changed(session: AsyncSession, events: Sequence[Envelope[GroupChanged]]) -> None:
    for e in events:
        await network.group_renamed(session, e.data.group_id, e.data.name, e.data.changed_at)


async def on_group_archived(session: AsyncSession, events: Sequence[Envelope[GroupArchived]]) -> None:
    for e in events:
        await network.group_archived(session, e.data.group_id, e.data.archived_at)


async def on_person_left_group(session: AsyncSession, events: Sequence[Envelope[PersonLeftGroup]]) -> None:
    """Their places at the group's members-only meetings still to come end (left_group)."""
    for e in events:
        await registrations.end_for_people(
            session, [e.data.person_id], EndReason.LEFT_GROUP, _now(), group_id=e.data.group_id
        )


async def on_person_left(session: AsyncSession, events: Sequence[Envelope[PersonLeft]]) -> None:
    """Their places at every meeting still to come end (person_left)."""
    await registrations.end_for_people(session, [e.data.person_id for e in events], EndReason.PERSON_LEFT, _now())


async def on_person_erased(session: AsyncSession, events: Sequence[Envelope[PersonErased]]) -> None:
    await erasure.erase(session, [e.data.person_id for e in events], _now())


HANDLERS: dict[type[EventData], Handler] = {
    MemberJoined: on_member_joined,
    OrganisationProfileChanged: on_profile_changed,
    MemberSuspended: on_member_suspended,
    MemberReinstated: on_member_reinstated,
    MemberLeft: on_member_left,
    GroupCreated: on_group_created,
    GroupChanged: on_group_changed,
    GroupArchived: on_group_archived,
    PersonLeftGroup: on_person_left_group,
    PersonLeft: on_person_left,
    PersonErased: on_person_erased,
}
