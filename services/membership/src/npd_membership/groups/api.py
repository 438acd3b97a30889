"""Groups API (/v1/groups): create, change and archive groups (network admins, chairs); join, approve, leave,
remove and appoint chairs; read groups and who is in them (everyone in the network). Who chairs a group is
decided in the service, under the group's lock; who is a network admin or in the network, here from the
principal. Errors raised below become problem documents by PROBLEMS.
"""

from uuid import UUID

from fastapi import APIRouter, Response, status
from npd_runtime import (
    NOT_FOUND,
    Forbidden,
    Limit,
    Offset,
    Page,
    Principal,
    PrincipalDep,
    Problems,
    ProblemType,
    Role,
    SessionDep,
    require_role,
)

from npd_membership.groups import domain, queries, service
from npd_membership.groups.domain import MembershipStatus
from npd_membership.groups.schemas import (
    GroupBody,
    GroupCreate,
    GroupDetail,
    GroupPublic,
    KindFilter,
    MemberPublic,
    NameFilter,
    PersonId,
    RoleBody,
    StandingFilter,
    StatusFilter,
    TopicFilter,
)

router = APIRouter(prefix="/v1/groups", tags=["groups"])

_CONFLICT = "Conflict with the current state"
_FORBIDDEN = "Forbidden"
PROBLEMS: Problems = {
    service.GroupNotFound: NOT_FOUND,
    domain.NotInGroup: ProblemType(404, "not-in-group", "Not found"),
    service.DuplicateGroupName: ProblemType(409, "duplicate-group", _CONFLICT),
    service.NotAChair: ProblemType(403, "not-a-chair", _FORBIDDEN),
    service.NotEligible: ProblemType(403, "not-eligible", _FORBIDDEN),
    domain.GroupRefused: ProblemType(409, "group-refused", _CONFLICT),
    domain.GroupIsArchived: ProblemType(409, "group-archived", _CONFLICT),
    domain.AlreadyMember: ProblemType(409, "already-a-member", _CONFLICT),
    domain.AlreadyRequested: ProblemType(409, "already-requested", _CONFLICT),
    domain.NotRequested: ProblemType(409, "not-requested", _CONFLICT),
    domain.RequestPending: ProblemType(409, "request-pending", _CONFLICT),
    domain.LastChair: ProblemType(409, "last-chair", _CONFLICT),
}

READ: dict[int | str, dict[str, object]] = {
    400: {"description": "The body could not be read (not UTF-8)"},
    401: {"description": "Missing or invalid bearer token"},
    403: {"description": "The caller is not in the network"},
    404: {"description": "No such group"},
    422: {"description": "The request is not valid"},
}
WRITE: dict[int | str, dict[str, object]] = {
    **READ,
    403: {"description": "The caller may not do this to this group (or this person may not be in groups)"},
    404: {"description": "No such group, person or membership"},
    409: {"description": "The group's or the membership's state does not allow this (archived, already in, ...)"},
}


def _require_network(principal: Principal) -> None:
    # Everyone the network knows holds at least one role in it; a bare token proves only who someone is.
    if not principal.roles:
        raise Forbidden("only people of the network can see its groups")


@router.post("", status_code=status.HTTP_201_CREATED, responses=WRITE)
async def create_group(
    body: GroupCreate, principal: PrincipalDep, session: SessionDep, response: Response
) -> GroupDetail:
    """Create a group (network admins only); its first chairs, if named, join it at once. Publishes GroupCreated,
    then PersonJoinedGroup (role chair) for each chair."""
    require_role(principal, Role.NETWORK_ADMIN)
    async with session.begin():
        group = await service.create_group(session, body.kind, body.details(), tuple(body.chairs))
        view = await queries.group_view(session, group.id)
    response.headers["Location"] = f"{router.prefix}/{group.id}"
    return GroupDetail.of(view)


@router.get("", responses=READ)
async def list_groups(
    principal: PrincipalDep,
    session: SessionDep,
    status: StatusFilter = domain.GroupStatus.ACTIVE,
    kind: KindFilter = None,
    topic: TopicFilter = None,
    name: NameFilter = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[GroupPublic]:
    """Groups by name, active ones unless asked otherwise (everyone in the network)."""
    _require_network(principal)
    filters = queries.Filters(status=status, kind=kind, topic=topic, name=name)
    async with session.begin():
        views, total = await queries.list_groups(session, filters, limit=limit, offset=offset)
    return Page(items=[GroupPublic.of(v) for v in views], total=total, limit=limit, offset=offset)


@router.get("/{group_id}", responses=READ)
async def get_group(group_id: UUID, principal: PrincipalDep, session: SessionDep) -> GroupDetail:
    """One group with its member count and chairs (everyone in the network)."""
    _require_network(principal)
    async with session.begin():
        return GroupDetail.of(await queries.group_view(session, group_id))


@router.put("/{group_id}", responses=WRITE)
async def change_group(group_id: UUID, body: GroupBody, principal: PrincipalDep, session: SessionDep) -> GroupDetail:
    """Replace the group's name, topic, description and join policy (its chairs and network admins). Publishes
    GroupChanged when the name, topic or join policy changed; nothing when nothing did."""
    _require_network(principal)  # a 403 before any lookup: no existence oracle (decision 98)
    async with session.begin():
        await service.change_group(session, group_id, body.details(), by=principal)
        return GroupDetail.of(await queries.group_view(session, group_id))


@router.post("/{group_id}/archive", responses=WRITE)
async def archive_group(group_id: UUID, principal: PrincipalDep, session: SessionDep) -> GroupDetail:
    """End a group's work (network admins only): every member leaves it (PersonLeftGroup, group_archived),
    pending requests end, then GroupArchived. Its name is free again."""
    require_role(principal, Role.NETWORK_ADMIN)  # a 403 before any lookup: no existence oracle (decision 98)
    async with session.begin():
        await service.archive_group(session, group_id)
        return GroupDetail.of(await queries.group_view(session, group_id))


@router.post("/{group_id}/members", status_code=status.HTTP_201_CREATED, responses=WRITE)
async def join_group(group_id: UUID, principal: PrincipalDep, session: SessionDep, response: Response) -> MemberPublic:
    """The caller joins an open group (PersonJoinedGroup), or asks to join one that needs approval (no event
    until a chair approves). Only active people of an organisation that is a member, or network staff."""
    _require_network(principal)  # a 403 before any lookup: no existence oracle (decision 98)
    async with session.begin():
        await service.join_group(session, group_id, principal.person_id)
        member = await queries.member(session, group_id, principal.person_id)
    response.headers["Location"] = f"{router.prefix}/{group_id}/members/{principal.person_id}"
    return MemberPublic.of(member)


@router.get("/{group_id}/members", responses=READ | {403: {"description": "Requests: chairs and network admins"}})
async def list_members(
    group_id: UUID,
    principal: PrincipalDep,
    session: SessionDep,
    status: StandingFilter = MembershipStatus.ACTIVE,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[MemberPublic]:
    """Who is in the group, chairs first (everyone in the network); or who asked to join, oldest first (its
    chairs and network admins)."""
    _require_network(principal)
    async with session.begin():
        members, total = await queries.list_members(session, group_id, status, by=principal, limit=limit, offset=offset)
    return Page(items=[MemberPublic.of(m) for m in members], total=total, limit=limit, offset=offset)


@router.post("/{group_id}/members/{person_id}/approve", responses=WRITE)
async def approve_request(
    group_id: UUID, person_id: PersonId, principal: PrincipalDep, session: SessionDep
) -> MemberPublic:
    """Approve a request to join (the group's chairs and network admins); publishes PersonJoinedGroup."""
    _require_network(principal)  # a 403 before any lookup: no existence oracle (decision 98)
    async with session.begin():
        await service.approve_request(session, group_id, person_id, by=principal)
        return MemberPublic.of(await queries.member(session, group_id, person_id))


@router.put("/{group_id}/members/{person_id}/role", responses=WRITE)
async def change_role(
    group_id: UUID, person_id: PersonId, body: RoleBody, principal: PrincipalDep, session: SessionDep
) -> MemberPublic:
    """Make a member a chair, or a chair a member (the group's chairs and network admins); publishes
    PersonGroupRoleChanged, nothing when the role is already theirs. The last chair steps down only when
    alone in the group."""
    _require_network(principal)  # a 403 before any lookup: no existence oracle (decision 98)
    async with session.begin():
        await service.change_role(session, group_id, person_id, body.role, by=principal)
        return MemberPublic.of(await queries.member(session, group_id, person_id))


@router.delete("/{group_id}/members/{person_id}", status_code=status.HTTP_204_NO_CONTENT, responses=WRITE)
async def leave_group(group_id: UUID, person_id: PersonId, principal: PrincipalDep, session: SessionDep) -> None:
    """Leave a group yourself (reason left), or remove someone from it (its chairs and network admins; reason
    removed): PersonLeftGroup. A pending request is withdrawn or declined the same way, without an event. The
    last chair leaves only when alone in the group."""
    _require_network(principal)  # a 403 before any lookup: no existence oracle (decision 98)
    async with session.begin():
        await service.leave_group(session, group_id, person_id, by=principal)
