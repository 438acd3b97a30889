"""The directory over HTTP on a real PostgreSQL: search, filters, keyset pages, and who sees whom.

Every test makes its own organisations and people, named with a token of its own, and searches within
them: the database is shared by the whole session.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
import pytest_asyncio
from npd_membership.models import group_members, groups, people
from sqlalchemy import insert, update

Headers = dict[str, str]
PersonFactory = Callable[..., Awaitable[Headers]]

VIEWERS = ["self", "same org member", "same org admin", "other org member", "network admin"]
# Who finds a person of each visibility (everyone else gets nothing, and a 404 for the card).
SEES = {
    "network": set(VIEWERS),
    "organisation": {"self", "same org member", "same org admin", "network admin"},
    "hidden": {"self", "same org admin", "network admin"},
}
SEES_EMAIL = {"self", "same org admin", "network admin"}


@dataclass
class World:
    """Two organisations of the network and a way to add people to the first one."""

    app: Any
    client: httpx.AsyncClient
    person: PersonFactory
    token: str
    org: UUID
    other_org: UUID

    async def add(self, name: str, *, visibility: str = "network", function: str | None = None, **extra: Any) -> str:
        """A member of `org` named `name <token>`; returns their id."""
        sub = f"dir-{uuid4().hex[:10]}"
        await self.person(sub, "member", org=self.org)
        await self.change(sub, name=f"{name} {self.token}", visibility=visibility, function_title=function, **extra)
        return sub

    async def change(self, sub: str, **values: Any) -> None:
        async with self.app.state.sessions() as session, session.begin():
            await session.execute(update(people).where(people.c.id == sub).values(**values))

    async def group(self, *seats: tuple[str, str]) -> UUID:
        """An active group with these (person, role) members."""
        group_id, now = uuid4(), datetime.now(UTC)
        async with self.app.state.sessions() as session, session.begin():
            await session.execute(
                insert(groups).values(
                    id=group_id,
                    name=f"Werkgroep {group_id.hex[:8]}",
                    kind="working_group",
                    topic="dienstverlening",
                    description="",
                    joining="open",
                    status="active",
                    created_at=now,
                )
            )
            rows = [
                dict(group_id=group_id, person_id=sub, role=role, status="active", requested_at=now, joined_at=now)
                for sub, role in seats
            ]
            await session.execute(insert(group_members), rows)
        return group_id

    async def viewer(self, who: str, subject: str) -> Headers:
        sub = f"viewer-{uuid4().hex[:10]}"
        match who:
            case "self":
                return await self.person(subject, "member", org=self.org)
            case "same org member":
                return await self.person(sub, "member", org=self.org)
            case "same org admin":
                return await self.person(sub, "org_admin", "member", org=self.org)
            case "other org member":
                return await self.person(sub, "member", org=self.other_org)
            case _:
                return await self.person(sub, "network_admin")

    async def names(self, headers: Headers, **params: Any) -> list[str]:
        response = await self.client.get("/v1/people", params={"q": self.token, **params}, headers=headers)
        assert response.status_code == 200, response.text
        return [item["name"].removesuffix(f" {self.token}") for item in response.json()["items"]]


@pytest_asyncio.fixture
async def world(app_and_client: tuple[Any, httpx.AsyncClient], person: PersonFactory) -> World:
    app, client = app_and_client
    org, other_org = uuid4(), uuid4()
    await person(f"founder-{org.hex[:8]}", "org_admin", org=org)
    await person(f"founder-{other_org.hex[:8]}", "org_admin", org=other_org)
    return World(app, client, person, f"t{uuid4().hex[:8]}", org, other_org)


async def test_a_name_search_finds_people_by_part_of_their_name_whatever_the_case(world: World) -> None:
    await world.add("Anna de Vries")
    await world.add("Bram Visser")
    await world.add("Carla Dijkstra")
    admin = await world.viewer("network admin", "")
    params = {"q": "VRIES", "organisation_id": str(world.org)}
    response = await world.client.get("/v1/people", params=params, headers=admin)
    assert [item["name"] for item in response.json()["items"]] == [f"Anna de Vries {world.token}"]
    assert await world.names(admin) == ["Anna de Vries", "Bram Visser", "Carla Dijkstra"]


async def test_a_name_spelled_nearly_alike_is_found(world: World) -> None:
    await world.add("Pieter Janssen")
    await world.add("Karin Bakker")
    admin = await world.viewer("network admin", "")
    response = await world.client.get(
        "/v1/people", params={"q": "jansen", "organisation_id": str(world.org)}, headers=admin
    )
    assert [item["name"] for item in response.json()["items"]] == [f"Pieter Janssen {world.token}"]


async def test_percent_and_underscore_in_a_search_are_plain_characters(world: World) -> None:
    await world.add("Anna de Vries")
    admin = await world.viewer("network admin", "")
    within = {"organisation_id": str(world.org)}
    assert (await world.names(admin, q="%", **within), await world.names(admin, q="_", **within)) == ([], [])
    assert await world.names(admin, q="anna", **within) == ["Anna de Vries"]


async def test_filters_by_organisation_group_and_function_narrow_the_list(world: World) -> None:
    anna = await world.add("Anna de Vries", function="Adviseur dienstverlening")
    bram = await world.add("Bram Visser", function="Teamleider burgerzaken")
    await world.add("Carla Dijkstra", function="Adviseur privacy")
    group = await world.group((anna, "chair"), (bram, "member"))
    admin = await world.viewer("network admin", "")
    assert await world.names(admin, function="ADVISEUR") == ["Anna de Vries", "Carla Dijkstra"]
    assert await world.names(admin, group_id=str(group)) == ["Anna de Vries", "Bram Visser"]
    assert await world.names(admin, group_id=str(group), function="adviseur") == ["Anna de Vries"]
    assert await world.names(admin, organisation_id=str(world.other_org)) == []


async def test_pages_follow_each_other_without_skipping_or_repeating(world: World) -> None:
    names = [f"Person {letter}" for letter in "ABCDEFG"]
    for name in reversed(names):
        await world.add(name)
    admin = await world.viewer("network admin", "")
    seen, after, pages = [], None, 0
    while True:
        params = {"q": world.token, "limit": 3, **({"after": after} if after else {})}
        body = (await world.client.get("/v1/people", params=params, headers=admin)).json()
        seen += [item["name"].removesuffix(f" {world.token}") for item in body["items"]]
        pages += 1
        if (after := body["next"]) is None:
            break
    assert (seen, pages) == (names, 3)


async def test_people_added_between_pages_shift_nothing_already_listed(world: World) -> None:
    for name in ("Person B", "Person D", "Person F", "Person H"):
        await world.add(name)
    admin = await world.viewer("network admin", "")
    first = (await world.client.get("/v1/people", params={"q": world.token, "limit": 2}, headers=admin)).json()
    await world.add("Person A")  # before the cursor: belongs to a page already read
    await world.add("Person E")  # after it: the next page has it
    rest = await world.names(admin, after=first["next"])
    assert [item["name"].removesuffix(f" {world.token}") for item in first["items"]] == ["Person B", "Person D"]
    assert rest == ["Person E", "Person F", "Person H"]


async def test_people_who_left_or_were_erased_never_appear(world: World) -> None:
    left = await world.add("Lotte Left")
    erased = await world.add("Erik Erased")
    await world.add("Anna Active")
    await world.change(left, status="left")
    await world.change(erased, status="erased")
    admin = await world.viewer("network admin", "")
    assert await world.names(admin) == ["Anna Active"]
    for sub in (left, erased):
        assert (await world.client.get(f"/v1/people/{sub}", headers=admin)).status_code == 404


@pytest.mark.parametrize("visibility", list(SEES))
@pytest.mark.parametrize("who", VIEWERS)
async def test_who_finds_a_person_follows_their_visibility(world: World, visibility: str, who: str) -> None:
    subject = await world.add("Vera Zichtbaar", visibility=visibility)
    headers = await world.viewer(who, subject)
    listed = await world.names(headers, organisation_id=str(world.org))
    card = await world.client.get(f"/v1/people/{subject}", headers=headers)
    expected = who in SEES[visibility]
    assert (listed == ["Vera Zichtbaar"], card.status_code) == (expected, 200 if expected else 404)


@pytest.mark.parametrize("who", VIEWERS)
async def test_an_email_address_is_shown_only_to_the_person_their_org_admins_and_network_admins(
    world: World, who: str
) -> None:
    subject = await world.add("Eva Mail", email="eva@example.nl")
    headers = await world.viewer(who, subject)
    listed = (await world.client.get("/v1/people", params={"q": world.token}, headers=headers)).json()["items"]
    card = (await world.client.get(f"/v1/people/{subject}", headers=headers)).json()
    expected = "eva@example.nl" if who in SEES_EMAIL else None
    assert [item["email"] for item in listed if item["id"] == subject] == [expected]
    assert card["email"] == expected


async def test_a_card_shows_organisation_function_roles_and_groups(world: World) -> None:
    subject = await world.add("Gerrit Groep", function="Informatieadviseur", language="en")
    chaired = await world.group((subject, "chair"))
    member_of = await world.group((subject, "member"))
    headers = await world.viewer("other org member", subject)
    card = (await world.client.get(f"/v1/people/{subject}", headers=headers)).json()
    assert card["organisation_id"] == str(world.org)
    assert card["organisation_name"] == f"Organisation {world.org.hex[:12]}"
    assert (card["function_title"], card["language"], card["roles"]) == ("Informatieadviseur", "en", ["member"])
    assert sorted((g["id"], g["role"], g["kind"]) for g in card["groups"]) == sorted(
        [(str(chaired), "chair", "working_group"), (str(member_of), "member", "working_group")]
    )


async def test_an_unknown_person_is_a_404(world: World) -> None:
    admin = await world.viewer("network admin", "")
    response = await world.client.get("/v1/people/nobody-at-all", headers=admin)
    assert (response.status_code, response.json()["type"]) == (404, "urn:npd:problem:not-found")


async def test_someone_without_a_role_in_the_network_may_not_search(
    world: World, token: Callable[..., Headers]
) -> None:
    response = await world.client.get("/v1/people", headers=token("stranger"))
    assert (response.status_code, response.json()["type"]) == (403, "urn:npd:problem:forbidden")


@pytest.mark.parametrize("cursor", ["not a cursor!", "abcde", "a" * 2504])
async def test_a_cursor_this_api_did_not_give_out_is_refused_precisely(world: World, cursor: str) -> None:
    admin = await world.viewer("network admin", "")
    response = await world.client.get("/v1/people", params={"after": cursor}, headers=admin)
    assert response.status_code == 422
    assert response.json()["errors"][0]["location"] == "query.after"
    assert response.json()["errors"][0]["type"] == "invalid_cursor"


async def test_any_well_formed_cursor_is_a_place_to_start(world: World) -> None:
    await world.add("Anna Eerst")
    await world.add("Zeno Laatst")
    admin = await world.viewer("network admin", "")
    assert await world.names(admin, after="Tw") == ["Zeno Laatst"]  # base64url of "O": after "O", before "Z"


@pytest.mark.parametrize("limit", ["0", "101", "many"])
async def test_a_limit_outside_1_to_100_is_refused_precisely(world: World, limit: str) -> None:
    admin = await world.viewer("network admin", "")
    response = await world.client.get("/v1/people", params={"limit": limit}, headers=admin)
    assert (response.status_code, response.json()["errors"][0]["location"]) == (422, "query.limit")
