"""Practices on the real PostgreSQL: every confidentiality label against every kind of reader, on every read
path the events service has (get, list, search, the public listing, and the events it publishes), as one
table; plus search ranking, filters, editing, withdrawal, linking and erasure."""

from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from npd_contracts import GroupRole, PersonErased, Role

from .conftest import Headers, Network

LABELS = ["public", "network", "group", "chatham_house"]
READERS = ["anonymous", "other_org_member", "group_member", "not_in_group", "author", "network_admin"]
# reader -> label -> (may read it, sees who shared it)
EXPECTED: dict[str, dict[str, tuple[bool, bool]]] = {
    "anonymous": {"public": (True, True), "network": (False, False), "group": (False, False),
                  "chatham_house": (False, False)},
    "other_org_member": {"public": (True, True), "network": (True, True), "group": (False, False),
                         "chatham_house": (True, False)},
    "group_member": {"public": (True, True), "network": (True, True), "group": (True, True),
                     "chatham_house": (True, False)},
    "not_in_group": {"public": (True, True), "network": (True, True), "group": (False, False),
                     "chatham_house": (True, False)},
    "author": {"public": (True, True), "network": (True, True), "group": (True, True),
               "chatham_house": (True, True)},
    "network_admin": {"public": (True, True), "network": (True, True), "group": (True, True),
                      "chatham_house": (True, True)},
}  # fmt: skip


def practice(**extra: Any) -> dict[str, Any]:
    return {
        "title": "Zaakgericht werken zonder nieuw systeem",
        "tried": "We lieten de behandelaars zelf hun werkvoorraad plannen.",
        "worked": "Kortere doorlooptijden bij vergunningen.",
        "failed": "De koppeling met het archief.",
        "lessons": "Begin klein, meet vanaf dag een.",
        "contact": "Team Dienstverlening, kamer 3",
        "themes": ["service_delivery", "data_sharing"],
        "label": "network",
    } | extra


class World:
    def __init__(self, network: Network, client: httpx.AsyncClient) -> None:
        self.network, self.client = network, client
        self.readers: dict[str, Headers | None] = {}
        self.author_id = ""
        self.author_org: UUID = uuid4()
        self.group: UUID = uuid4()
        self.word = ""
        self.practices: dict[str, dict[str, Any]] = {}

    async def build(self) -> None:
        n = self.network
        self.group = await n.group()
        self.author_org = await n.organisation("Gemeente Auteursdam")
        other_org = await n.organisation()
        self.author_id, author = await n.person(org=self.author_org, groups={self.group: GroupRole.MEMBER})
        _, member = await n.person(org=other_org, groups={self.group: GroupRole.MEMBER})
        _, outsider = await n.person(org=self.author_org)  # same organisation as the author, not in the group
        _, stranger = await n.person(org=other_org)
        _, admin = await n.person(Role.NETWORK_ADMIN)
        self.readers = {
            "anonymous": None,
            "other_org_member": stranger,
            "group_member": member,
            "not_in_group": outsider,
            "author": author,
            "network_admin": admin,
        }
        self.word = f"labeltoets{uuid4().hex[:8]}"
        for label in LABELS:
            body = practice(title=f"{label} {self.word}", label=label)
            if label == "group":
                body["group_id"] = str(self.group)
            made = await self.client.post("/v1/practices", json=body, headers=author)
            assert made.status_code == 201, made.text
            self.practices[label] = made.json()


@pytest.fixture
async def world(network: Network, client: httpx.AsyncClient) -> World:
    w = World(network, client)
    await w.build()
    return w


def _seen_as(item: dict[str, Any], world: World, shows: bool) -> None:
    if shows:
        assert item["organisation_id"] == str(world.author_org) and item["organisation_name"] == "Gemeente Auteursdam"
        assert item["contact"] == "Team Dienstverlening, kamer 3" and item["author_hidden"] is False
    else:
        assert item["author_id"] is None and item["organisation_id"] is None and item["organisation_name"] is None
        assert item["contact"] is None and item["author_hidden"] is True
        assert "Auteursdam" not in str(item) and world.author_id not in str(item)


@pytest.mark.parametrize("reader", READERS)
async def test_each_reader_reads_each_label_exactly_as_the_label_says(
    world: World, client: httpx.AsyncClient, reader: str
) -> None:
    headers = world.readers[reader]
    base = "/v1/public/practices" if headers is None else "/v1/practices"
    listed = await client.get(f"{base}?q={world.word}&limit=200", headers=headers)
    assert listed.status_code == 200, listed.text
    found = {item["label"]: item for item in listed.json()["items"]}
    assert listed.json()["total"] == len(found)
    newest = await client.get(f"{base}?limit=200", headers=headers)  # the plain listing, newest first
    ids_listed = {item["id"] for item in newest.json()["items"]}
    for label in LABELS:
        may_read, shows = EXPECTED[reader][label]
        practice_id = world.practices[label]["id"]
        one = await client.get(f"{base}/{practice_id}", headers=headers)
        assert (one.status_code == 200) is may_read, (reader, label, one.status_code)
        assert (label in found) is may_read, (reader, label, "search")
        assert (practice_id in ids_listed) is may_read, (reader, label, "list")
        if may_read:
            _seen_as(one.json(), world, shows)
            _seen_as(found[label], world, shows)
            if headers is None:
                assert one.json()["author_id"] is None  # person ids are never public
            else:
                assert (one.json()["author_id"] == world.author_id) is shows
        else:
            assert one.json()["type"] == "urn:npd:problem:unknown-practice"
    if headers is not None:  # the public path answers only public practices, whoever asks
        for label in LABELS:
            public = await client.get(f"/v1/public/practices/{world.practices[label]['id']}", headers=headers)
            assert (public.status_code == 200) is (label == "public")


async def test_events_carry_only_what_the_label_lets_every_consumer_know(world: World, network: Network) -> None:
    for label in LABELS:
        [event] = await network.outbox("nl.npd.events.practice-shared.v1", world.practices[label]["id"])
        assert event["label"] == label and event["themes"] == ["service_delivery", "data_sharing"]
        text = str(event)
        if label == "chatham_house":
            assert event["author_id"] is None and event["organisation_id"] is None
            assert world.author_id not in text and str(world.author_org) not in text
        else:
            assert event["author_id"] == world.author_id and event["organisation_id"] == str(world.author_org)
        if label == "group":
            assert event["title"] is None and event["group_id"] == str(world.group) and world.word not in text
        else:
            assert event["title"] == f"{label} {world.word}" and event["group_id"] is None
        assert "Dienstverlening, kamer 3" not in text and "behandelaars" not in text  # no content, no contact


async def test_a_practice_never_becomes_chatham_house_and_only_its_author_edits_it(
    world: World, client: httpx.AsyncClient, network: Network
) -> None:
    author, other = world.readers["author"], world.readers["other_org_member"]
    network_id = world.practices["network"]["id"]
    hide = await client.put(f"/v1/practices/{network_id}", json=practice(label="chatham_house"), headers=author)
    assert hide.status_code == 409 and hide.json()["type"] == "urn:npd:problem:cannot-become-chatham-house"
    theirs = await client.put(f"/v1/practices/{network_id}", json=practice(), headers=other)
    assert theirs.status_code == 403 and theirs.json()["type"] == "urn:npd:problem:not-the-author"
    chatham_id = world.practices["chatham_house"]["id"]
    edited = practice(title=f"herzien {world.word}", label="chatham_house", kpi_ids=["sickness_absence_pct"])
    changed = await client.put(f"/v1/practices/{chatham_id}", json=edited, headers=author)
    assert changed.status_code == 200 and changed.json()["kpi_ids"] == ["sickness_absence_pct"]
    [updated] = await network.outbox("nl.npd.events.practice-updated.v1", chatham_id)
    assert updated["author_id"] is None and updated["title"] == f"herzien {world.word}"
    same = await client.put(f"/v1/practices/{chatham_id}", json=edited, headers=author)
    assert same.status_code == 200
    assert len(await network.outbox("nl.npd.events.practice-updated.v1", chatham_id)) == 1
    found = await client.get("/v1/practices?kpi_id=sickness_absence_pct&limit=200", headers=other)
    assert chatham_id in [i["id"] for i in found.json()["items"]]


async def test_withdrawn_practices_vanish_from_every_read_path(world: World, client: httpx.AsyncClient) -> None:
    author, admin = world.readers["author"], world.readers["network_admin"]
    other = world.readers["other_org_member"]
    public_id, network_id = world.practices["public"]["id"], world.practices["network"]["id"]
    refused = await client.delete(f"/v1/practices/{network_id}", headers=other)
    assert refused.status_code == 403
    assert (await client.delete(f"/v1/practices/{public_id}", headers=author)).status_code == 204
    assert (await client.delete(f"/v1/practices/{network_id}", headers=admin)).status_code == 204  # moderation
    for headers in (author, admin, other):
        assert (await client.get(f"/v1/practices/{public_id}", headers=headers)).status_code == 404
        found = await client.get(f"/v1/practices?q={world.word}&limit=200", headers=headers)
        assert {i["label"] for i in found.json()["items"]} <= {"group", "chatham_house"}
    assert (await client.get(f"/v1/public/practices/{public_id}")).status_code == 404
    assert world.word not in (await client.get(f"/v1/public/practices?q={world.word}")).text
    assert (await client.delete(f"/v1/practices/{public_id}", headers=author)).status_code == 404


async def test_search_ranks_by_dutch_stems_and_filters_before_the_page_is_cut(
    client: httpx.AsyncClient, network: Network
) -> None:
    group = await network.group()
    _, author = await network.person(groups={group: GroupRole.MEMBER})
    _, reader = await network.person()
    tag = uuid4().hex[:8]
    strong = practice(title=f"Samenwerking tussen gemeenten {tag}", tried=f"Wij werkten samen {tag}.")
    weak = practice(title=f"Inkoop {tag}", tried=f"Met drie gemeenten tegelijk {tag}.", themes=["procurement"])
    hidden = [practice(title=f"Gemeenten {tag} {i}", label="group", group_id=str(group)) for i in range(5)]
    for body in [*hidden, weak, strong]:
        assert (await client.post("/v1/practices", json=body, headers=author)).status_code == 201
    # "gemeente" finds "gemeenten" by its Dutch stem; the title weighs more than the text.
    found = await client.get(f"/v1/practices?q=gemeente {tag}&limit=2", headers=reader)
    body = found.json()
    assert body["total"] == 2, body  # the five group-only practices are not counted, not only not shown
    assert [i["title"] for i in body["items"]] == [strong["title"], weak["title"]]
    themed = await client.get(f"/v1/practices?q={tag}&theme=procurement", headers=reader)
    assert [i["title"] for i in themed.json()["items"]] == [weak["title"]]
    assert (await client.get(f"/v1/practices?q={tag}&label=group", headers=reader)).json()["total"] == 0
    assert (await client.get(f"/v1/practices?q={tag}&label=group", headers=author)).json()["total"] == 5
    assert (await client.get("/v1/practices?q=%21%21", headers=reader)).json()["total"] == 0  # no words: nothing


async def test_practices_are_refused_precisely(client: httpx.AsyncClient, network: Network) -> None:
    group = await network.group()
    _, member = await network.person()
    cases: list[tuple[dict[str, Any], int, str]] = [
        (practice(label="group"), 422, "group-label-needs-group"),
        (practice(group_id=str(group)), 422, "group-without-group-label"),
        (practice(label="group", group_id=str(group)), 403, "not-in-group"),
        (practice(label="group", group_id=str(uuid4())), 403, "not-in-group"),
        (practice(meeting_ids=[str(uuid4())]), 422, "unknown-link"),
        (practice(report_ids=[str(uuid4())]), 422, "unknown-link"),
        (practice(kpi_ids=["Not A Kpi"]), 422, "validation-failed"),
        (practice(themes=[]), 422, "validation-failed"),
        (practice(themes=["astrology"]), 422, "validation-failed"),
        (practice(title="a\u0000b"), 422, "validation-failed"),
    ]
    for body, code, kind in cases:
        answer = await client.post("/v1/practices", json=body, headers=member)
        assert answer.status_code == code, (body, answer.text)
        assert answer.json()["type"].endswith(kind), answer.json()
    assert (await client.post("/v1/practices", json=practice())).status_code == 401
    _, no_role = await network.person(sub=None)
    meeting = await network.meeting()
    linked = await client.post("/v1/practices", json=practice(meeting_ids=[str(meeting.id)]), headers=no_role)
    assert linked.status_code == 201
    listed = await client.get(f"/v1/practices?meeting_id={meeting.id}", headers=member)
    assert [i["id"] for i in listed.json()["items"]] == [linked.json()["id"]]


async def test_erasure_removes_the_author_and_the_contact_but_keeps_the_practice(
    world: World, client: httpx.AsyncClient, network: Network
) -> None:
    from datetime import UTC, datetime

    await network.deliver(PersonErased(person_id=world.author_id, erased_at=datetime.now(UTC)))
    admin = world.readers["network_admin"]
    for label in LABELS:
        one = (await client.get(f"/v1/practices/{world.practices[label]['id']}", headers=admin)).json()
        assert one["author_id"] is None and one["contact"] == "" and one["title"].endswith(world.word)
