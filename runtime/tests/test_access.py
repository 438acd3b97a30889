"""The access read model on a real database (a service that keeps it: events), and the per-process cache of
principals built from it."""

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest_asyncio
from npd_contracts import (
    Envelope,
    EventData,
    GroupLeaveReason,
    PersonErased,
    PersonGroupRoleChanged,
    PersonJoinedGroup,
    PersonLeft,
    PersonLeftGroup,
    PersonRegistered,
    PersonRoleGranted,
    PersonRoleRevoked,
    RoleEndReason,
)
from npd_contracts import GroupRole as ContractGroupRole
from npd_contracts import Role as ContractRole
from npd_runtime import Access, GroupRole, Reads, Role, ServiceSettings, ServiceSpec, load_access
from npd_runtime.access import ACCESS, ACCESS_HANDLERS, with_access_handlers
from npd_runtime.auth import Principals
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

SETTINGS = ServiceSettings(database_url="unused", oidc_issuer="unused", oidc_jwks_url="file:///unused")
SPEC = ServiceSpec(name="events", title="t", description="d", settings=SETTINGS)  # keeps the read model
T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def person() -> str:
    return f"p-{uuid4().hex[:8]}"


async def handle(session: AsyncSession, *events: EventData) -> None:
    """As the consumer does: consecutive events of one type together, in order."""
    handlers = with_access_handlers({})
    run: list[Envelope[Any]] = []
    for event in events:
        if run and type(run[-1].data) is not type(event):
            await handlers[type(run[0].data)](session, run)
            run = []
        run.append(Envelope(data=event, source="/tests"))
    if run:
        await handlers[type(run[0].data)](session, run)


def registered(who: str, org: UUID | None, minutes: int = 0) -> PersonRegistered:
    return PersonRegistered(person_id=who, organisation_id=org, name=who, language="nl", registered_at=at(minutes))


def granted(who: str, role: ContractRole, org: UUID | None, minutes: int) -> PersonRoleGranted:
    return PersonRoleGranted(person_id=who, role=role, organisation_id=org, granted_at=at(minutes))


def revoked(who: str, role: ContractRole, org: UUID | None, minutes: int) -> PersonRoleRevoked:
    reason = RoleEndReason.ORGANISATION_LEFT
    return PersonRoleRevoked(person_id=who, role=role, organisation_id=org, reason=reason, revoked_at=at(minutes))


async def test_a_registered_person_has_the_roles_granted_to_them_in_their_organisation(
    rolled_back: Callable[..., Any],
) -> None:
    who, org = person(), uuid4()
    async with rolled_back(SPEC) as session:
        await handle(
            session,
            registered(who, org),
            granted(who, ContractRole.ORG_ADMIN, org, 0),
            granted(who, ContractRole.MEMBER, org, 0),
        )
        assert await load_access(session, who) == Access(org, frozenset({Role.ORG_ADMIN, Role.MEMBER}), {})


async def test_someone_the_read_model_does_not_know_has_no_access(rolled_back: Callable[..., Any]) -> None:
    async with rolled_back(SPEC) as session:
        assert await load_access(session, person()) == Access()


async def test_a_revoked_role_stays_revoked_when_its_grant_arrives_again_or_late(
    rolled_back: Callable[..., Any],
) -> None:
    who, org = person(), uuid4()
    async with rolled_back(SPEC) as session:
        await handle(session, registered(who, org), granted(who, ContractRole.BOARD_MEMBER, org, 1))
        await handle(session, revoked(who, ContractRole.BOARD_MEMBER, org, 2))
        await handle(session, granted(who, ContractRole.BOARD_MEMBER, org, 1))  # redelivered after its revocation
        assert await load_access(session, who) == Access(org, frozenset(), {})
        await handle(session, granted(who, ContractRole.BOARD_MEMBER, org, 3))  # granted again, later
        assert (await load_access(session, who)).roles == {Role.BOARD_MEMBER}


async def test_a_revocation_that_overtakes_its_grant_still_takes_the_role_away(
    rolled_back: Callable[..., Any],
) -> None:
    who, org = person(), uuid4()
    async with rolled_back(SPEC) as session:
        await handle(session, revoked(who, ContractRole.ADVISER, org, 5), granted(who, ContractRole.ADVISER, org, 4))
        assert (await load_access(session, who)).roles == frozenset()


async def test_handling_the_same_events_twice_changes_nothing(rolled_back: Callable[..., Any]) -> None:
    who, org = person(), uuid4()
    events = [
        registered(who, org),
        granted(who, ContractRole.MEMBER, org, 1),
        revoked(who, ContractRole.MEMBER, org, 2),
    ]
    async with rolled_back(SPEC) as session:
        await handle(session, *events)
        once = await load_access(session, who)
        await handle(session, *events)
        assert await load_access(session, who) == once == Access(org, frozenset(), {})


async def test_group_membership_and_chairing_follow_the_events(rolled_back: Callable[..., Any]) -> None:
    who, group, other = person(), uuid4(), uuid4()
    joined = PersonJoinedGroup(person_id=who, group_id=group, role=ContractGroupRole.MEMBER, joined_at=at(1))
    chair = PersonGroupRoleChanged(person_id=who, group_id=group, role=ContractGroupRole.CHAIR, changed_at=at(2))
    also = PersonJoinedGroup(person_id=who, group_id=other, role=ContractGroupRole.MEMBER, joined_at=at(2))
    left = PersonLeftGroup(person_id=who, group_id=group, reason=GroupLeaveReason.LEFT, left_at=at(3))
    async with rolled_back(SPEC) as session:
        await handle(session, registered(who, None), joined, chair, also)
        assert (await load_access(session, who)).groups == {group: GroupRole.CHAIR, other: GroupRole.MEMBER}
        await handle(session, left, chair)  # the chair change redelivered after leaving
        assert (await load_access(session, who)).groups == {other: GroupRole.MEMBER}


async def test_a_person_who_left_or_was_erased_keeps_nothing_and_no_late_grant_brings_them_back(
    rolled_back: Callable[..., Any],
) -> None:
    leaver, erased, org = person(), person(), uuid4()
    in_group = PersonJoinedGroup(person_id=erased, group_id=uuid4(), role=ContractGroupRole.MEMBER, joined_at=at(1))
    async with rolled_back(SPEC) as session:
        await handle(session, registered(leaver, org), granted(leaver, ContractRole.MEMBER, org, 1))
        await handle(session, registered(erased, org), granted(erased, ContractRole.MEMBER, org, 1), in_group)
        await handle(session, PersonLeft(person_id=leaver, organisation_id=org, left_at=at(5)))
        await handle(session, PersonErased(person_id=erased, erased_at=at(5)))
        await handle(
            session, granted(leaver, ContractRole.MEMBER, org, 1), granted(erased, ContractRole.MEMBER, org, 1)
        )
        assert await load_access(session, leaver) == Access()
        assert await load_access(session, erased) == Access()


async def test_a_services_own_handler_of_a_person_event_runs_after_the_read_model_in_the_same_transaction(
    rolled_back: Callable[..., Any],
) -> None:
    seen: list[Access] = []

    async def on_registered(session: AsyncSession, events: Any) -> None:
        seen.extend([await load_access(session, e.data.person_id) for e in events])

    handlers = with_access_handlers({PersonRegistered: on_registered})
    assert set(handlers) == set(ACCESS_HANDLERS)
    who, org = person(), uuid4()
    async with rolled_back(SPEC) as session:
        await handlers[PersonRegistered](session, [Envelope(data=registered(who, org), source="/tests")])
    assert seen == [Access(org, frozenset(), {})]


# -- the cache of principals -------------------------------------------------------------------------------


@pytest_asyncio.fixture
async def events_db(service_database: Callable[[str], str]) -> AsyncIterator[tuple[AsyncEngine, Reads]]:
    engine, reads = create_async_engine(service_database("events")), Reads(service_database("events"))
    yield engine, reads
    await reads.close()
    await engine.dispose()


async def grant_member(sessions: async_sessionmaker[AsyncSession], who: str, minutes: int) -> None:
    org = UUID(int=1)
    async with sessions() as session, session.begin():
        await handle(session, granted(who, ContractRole.MEMBER, org, minutes))


async def test_a_principal_is_kept_for_its_ttl_and_then_loaded_again(events_db: tuple[AsyncEngine, Reads]) -> None:
    sessions = async_sessionmaker(events_db[0])
    principals, who = Principals(ACCESS, events_db[1], ttl_s=0.5), person()
    assert not (await principals.of(who)).in_network
    await grant_member(sessions, who, 1)
    assert not (await principals.of(who)).in_network  # still the one kept
    await asyncio.sleep(0.6)
    assert (await principals.of(who)).roles == {Role.MEMBER}


async def test_with_a_ttl_of_zero_every_call_sees_the_latest_roles(events_db: tuple[AsyncEngine, Reads]) -> None:
    sessions = async_sessionmaker(events_db[0])
    principals, who = Principals(ACCESS, events_db[1], ttl_s=0), person()
    assert not (await principals.of(who)).in_network
    await grant_member(sessions, who, 1)
    assert (await principals.of(who)).roles == {Role.MEMBER}
