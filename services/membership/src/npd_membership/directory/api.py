"""Directory API (/v1/people): people of the network find each other by name, organisation, group and
function, within what each person allows. Who sees whom is decided in `service.visible_to`.
"""

from typing import Annotated

from fastapi import APIRouter, Path
from npd_runtime import Forbidden, NotFound, Principal, PrincipalDep, Problems, ReadsDep, Role, SessionDep, Text

from npd_membership.directory import service
from npd_membership.directory.schemas import (
    After,
    DirectoryPage,
    FunctionQuery,
    GroupQuery,
    NameQuery,
    OrganisationQuery,
    PageSize,
    PersonCard,
    PersonEntry,
    decode_cursor,
    encode_cursor,
)

router = APIRouter(prefix="/v1/people", tags=["directory"])

PROBLEMS: Problems = {}

ERRORS: dict[int | str, dict[str, object]] = {
    401: {"description": "Missing or invalid bearer token"},
    403: {"description": "The caller holds no role in the network"},
    422: {"description": "The request is not valid (a cursor this API did not give out, a limit above 100, ...)"},
}
PersonId = Annotated[Text, Path(min_length=1, max_length=255, description="The person's id (their subject)")]


def _viewer(principal: Principal) -> service.Viewer:
    if not principal.roles:
        raise Forbidden("the directory is for people of the network: the caller holds no role in it")
    return service.Viewer(
        person_id=principal.person_id,
        organisation_id=principal.org_id,
        network_admin=principal.is_network_admin,
        org_admin=principal.has(Role.ORG_ADMIN),
    )


@router.get("", responses=ERRORS)
async def search_people(
    principal: PrincipalDep,
    session: SessionDep,
    q: NameQuery = None,
    organisation_id: OrganisationQuery = None,
    group_id: GroupQuery = None,
    function: FunctionQuery = None,
    after: After = None,
    limit: PageSize = 20,
) -> DirectoryPage:
    """People the caller may see, by name, a page at a time (keyset: follow `next`). E-mail addresses only
    where the caller is the person, an admin of their organisation or a network admin."""
    viewer = _viewer(principal)
    filters = service.Filters(q=q, organisation_id=organisation_id, group_id=group_id, function=function)
    position = decode_cursor(after) if after is not None else None
    async with session.begin():
        entries, more = await service.search(session, viewer, filters, after=position, limit=limit)
    following = encode_cursor(entries[-1].name, entries[-1].id) if more else None
    return DirectoryPage(items=[PersonEntry.of(e) for e in entries], next=following)


@router.get("/{person_id}", responses={404: {"description": "No such person, or not one the caller may see"}, **ERRORS})
async def person_card(person_id: PersonId, principal: PrincipalDep, reads: ReadsDep) -> PersonCard:
    """One person's card: organisation, function, language, roles and groups; e-mail as in the list."""
    card = await service.card(reads, _viewer(principal), person_id)
    if card is None:
        # Someone the caller may not see is answered as someone who does not exist.
        raise NotFound("person", person_id)
    return PersonCard.of_card(card)
