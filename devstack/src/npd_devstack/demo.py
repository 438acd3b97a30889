"""`npd-dev seed` (`make demo`): fill a running platform with a living network, through the services' own APIs.

83 organisations of every kind, their admins, board members, advisers and members (about 2,400 people, with
functions and directory visibility), the network's 21 working groups, 26 expert communities, programme
teams and the board; then its year of meetings (npd_devstack.demo_meetings). Everything is found again by
name or subject, so a second run adds nothing.
"""

import asyncio
import functools
import sys
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import httpx

from npd_devstack import demo_data as data
from npd_devstack.demo_knowledge import DemoOrg, seed_knowledge
from npd_devstack.demo_knowledge import SeedFailed as KnowledgeSeedFailed
from npd_devstack.demo_meetings import EventsSeedFailed, MeetingsSeeder
from npd_devstack.demo_programme import SeedFailed as ProgrammeSeedFailed
from npd_devstack.demo_programme import seed_programme
from npd_devstack.demo_voice import seed_voice
from npd_devstack.issuer import DevIssuer

ADMIN = "admin"  # a network admin from MEMBERSHIP_NETWORK_ADMINS (npd-dev run sets it)
PENDING = {"Gemeente Assen", "Gemeente Veenendaal"}  # left as applications, for the admins' queue
CONCURRENCY = 12
Headers = dict[str, str]


class SeedFailed(Exception):
    pass


class Progress:
    """A one-line progress bar on stderr."""

    def __init__(self, label: str, total: int) -> None:
        self.label, self.total, self.done, self.started = label, total, 0, time.monotonic()
        self._draw()

    def step(self, n: int = 1) -> None:
        self.done += n
        self._draw()

    def _draw(self) -> None:
        width = 30
        filled = width * self.done // max(self.total, 1)
        rate = self.done / max(time.monotonic() - self.started, 1e-6)
        bar = "#" * filled + "." * (width - filled)
        print(f"\r  {self.label:<14} [{bar}] {self.done}/{self.total} ({rate:.0f}/s)", end="", file=sys.stderr)
        if self.done >= self.total:
            print(file=sys.stderr)


class Seeder:
    def __init__(
        self, membership: str, issuer: DevIssuer, transport: httpx.AsyncBaseTransport | None, people_per_org: int | None
    ) -> None:
        self.http = httpx.AsyncClient(base_url=membership, timeout=30.0, transport=transport)
        self.notifications: httpx.AsyncClient | None = None
        self.people_per_org = people_per_org
        self.issuer = issuer
        self._tokens: dict[tuple[str, tuple[str, ...], str | None], Headers] = {}
        self.admin = self.as_(ADMIN, "network_admin")
        self.created = {"organisations": 0, "people": 0, "groups": 0, "group memberships": 0}
        self.group_ids: dict[str, str] = {}
        self.group_members: dict[str, list[str]] = {}  # group name -> people who take part

    def as_(self, sub: str, *roles: str, org: str | None = None) -> Headers:
        # One token per person, as a real client keeps one: signing costs a millisecond, verifying is cached.
        key = (sub, roles, org)
        if key not in self._tokens:
            self._tokens[key] = {"Authorization": f"Bearer {self.issuer.mint(sub, list(roles), org_id=org)}"}
        return self._tokens[key]

    async def call(self, method: str, path: str, headers: Headers, ok: Iterable[int] = (), **kw: Any) -> Any:
        response = await self.http.request(method, path, headers=headers, **kw)
        if response.status_code >= 400 and response.status_code not in ok:
            raise SeedFailed(f"{method} {path}: {response.status_code} {response.text[:300]}")
        return response.json() if response.content else None

    async def close(self) -> None:
        await self.http.aclose()
        if self.notifications is not None:
            await self.notifications.aclose()

    async def announce(self) -> None:
        """The programme team's welcome to the whole network: an inbox item for everyone and a mail in the
        SMTP sink. Its id is fixed, so announcing again adds nothing. Notifications learns who is in the
        network from membership's events, so this waits until it knows the admin."""
        assert self.notifications is not None
        deadline = time.monotonic() + 60
        while (await self.notifications.get("/v1/inbox/unread-count", headers=self.admin)).status_code != 200:
            if time.monotonic() > deadline:
                raise SeedFailed("notifications does not know the network admin yet (is its consumer running?)")
            await asyncio.sleep(0.5)
        announced = await self.notifications.post("/v1/announcements", json=data.announcement(), headers=self.admin)
        if announced.status_code != 201:
            raise SeedFailed(f"POST /v1/announcements: {announced.status_code} {announced.text[:300]}")
        self.created["announcement recipients"] = announced.json()["inbox_items"]

    async def organisations(self) -> dict[str, tuple[data.DemoOrganisation, str, Headers]]:
        """Each demo organisation applied (by its contact) and, unless left pending, admitted."""
        orgs = data.organisations()
        progress, found = Progress("organisations", len(orgs)), {}
        for org in orgs:  # in order: a network grows one admission at a time
            contact = f"demo-{org.slug}-contact"
            page = await self.call("GET", "/v1/organisations", self.admin, params={"name": org.name, "limit": 100})
            same = [o for o in page["items"] if o["name"] == org.name and o["status"] != "rejected"]
            if same:
                current = same[0]
            else:
                body = {
                    "name": org.name,
                    "kind": org.kind,
                    "domains": org.domains,
                    "size_class": org.size_class,
                    "contact_name": data.person_name(org, -1),
                    "contact_email": f"{org.slug[:40]}.contact@example.nl",
                }
                current = await self.call("POST", "/v1/organisations", self.as_(contact), json=body)
                self.created["organisations"] += 1
            if current["status"] == "applied" and org.name not in PENDING:
                current = await self.call("POST", f"/v1/organisations/{current['id']}/admit", self.admin)
            if current["status"] == "member":
                # Its own admin invites its people; an organisation of that name that someone else applied
                # for (found, not made, by the demo) has another admin, so a network admin invites instead.
                ours = current.get("contact_person_id") == contact
                found[org.slug] = (org, current["id"], self.as_(contact) if ours else self.admin)
            progress.step()
        return found

    async def people(self, orgs: dict[str, tuple[data.DemoOrganisation, str, Headers]]) -> list[tuple[str, str]]:
        """Each member organisation's colleagues, invited by its admin and accepted by them; (sub, org slug)."""
        cap = self.people_per_org
        todo = [
            (org, org_id, inviter, n)
            for org, org_id, inviter in orgs.values()
            for n in range(min(org.people, cap or org.people))
        ]
        progress, joined = Progress("people", len(todo)), []

        async def one(org: data.DemoOrganisation, org_id: str, org_admin: Headers, n: int) -> None:
            sub = f"demo-{org.slug}-{n}"
            me = await self.http.get("/v1/me", headers=self.as_(sub))
            if me.status_code == 404:
                body = {"email": f"{sub[:50]}@example.nl", "name": data.person_name(org, n), "role": data.role_of(n)}
                invited = await self.call("POST", f"/v1/organisations/{org_id}/invitations", org_admin, json=body)
                accept = f"/v1/invitations/{invited['id']}/accept"
                await self.call("POST", accept, self.as_(sub), json={"code": invited["code"]})
                visibility = "hidden" if n % 23 == 7 else "organisation" if n % 11 == 5 else "network"
                profile = {
                    "name": body["name"],
                    "language": "en" if n % 9 == 4 else "nl",
                    "function_title": data.function_of(org, n),
                    "visibility": visibility,
                }
                await self.call("PUT", "/v1/me", self.as_(sub), json=profile)
                self.created["people"] += 1
            elif me.status_code != 200:
                raise SeedFailed(f"GET /v1/me as {sub}: {me.status_code} {me.text[:300]}")
            joined.append((sub, org.slug))
            progress.step()

        await _bounded([functools.partial(one, *job) for job in todo])
        return sorted(joined)  # in a fixed order, whatever order the calls finished in: groups follow from it

    async def groups(self, people: list[tuple[str, str]]) -> None:
        """The network's groups, each chaired by one of its people, and who takes part in which."""
        probe = await self.http.get("/v1/groups", headers=self.admin)
        if probe.status_code == 404:
            print("  groups         (this membership has no groups API yet: skipped)", file=sys.stderr)
            return
        kinds = [(name, "working_group", "open") for name in data.WORKING_GROUPS]
        kinds += [(name, "expert_community", "open") for name in data.EXPERT_COMMUNITIES]
        kinds += [(name, "programme_team", "approval") for name in data.PROGRAMME_TEAMS]
        kinds.append(("Board", "board", "approval"))
        progress, ids = Progress("groups", len(kinds)), {}
        for i, (name, kind, joining) in enumerate(kinds):
            page = await self.call("GET", "/v1/groups", self.admin, params={"name": name, "status": "active"})
            existing = [g for g in page["items"] if g["name"] == name]
            if existing:
                ids[name] = existing[0]["id"]
            else:
                chair = people[(i * 37) % len(people)][0]
                body = {
                    "name": name,
                    "kind": kind,
                    "topic": name if kind != "board" else "Governance",
                    "description": f"The network's {kind.replace('_', ' ')} on {name.lower()}.",
                    "joining": joining,
                    "chairs": [chair],
                }
                ids[name] = (await self.call("POST", "/v1/groups", self.admin, json=body))["id"]
                self.created["groups"] += 1
            progress.step()
        self.group_ids = ids
        open_groups = [ids[name] for name, _, joining in kinds if joining == "open"]
        joins = [
            (sub, open_groups[(k * 7 + j * 13) % len(open_groups)])
            for k, (sub, _) in enumerate(people)
            for j in range(k % 3)
        ]
        progress = Progress("group members", len(joins))
        names = {group_id: name for name, group_id in ids.items()}
        for sub, group_id in joins:
            self.group_members.setdefault(names[group_id], []).append(sub)

        async def join(sub: str, group_id: str) -> None:
            response = await self.http.post(f"/v1/groups/{group_id}/members", headers=self.as_(sub))
            if response.status_code in (200, 201):
                self.created["group memberships"] += 1
            elif response.status_code != 409:  # already a member: a second run
                raise SeedFailed(f"joining {group_id} as {sub}: {response.status_code} {response.text[:300]}")
            progress.step()

        await _bounded([functools.partial(join, s, g) for s, g in joins])


async def _bounded(jobs: list[Callable[[], Awaitable[None]]]) -> None:
    gate = asyncio.Semaphore(CONCURRENCY)

    async def run(job: Callable[[], Awaitable[None]]) -> None:
        async with gate:
            await job()

    await asyncio.gather(*(run(job) for job in jobs))


async def _ready(http: httpx.AsyncClient, membership: str, wait_s: float) -> None:
    """Wait for membership to be ready (its network admins in place), as right after `make run`."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            ready = await http.get("/readyz")
            if ready.status_code == 200:
                return
            why = f"answers {ready.status_code}: {ready.text[:200]}"
        except httpx.TransportError as error:
            why = f"cannot be reached ({error})"
        if time.monotonic() > deadline:
            raise SeedFailed(f"membership at {membership} {why}; is the platform up (`make run`)?")
        await asyncio.sleep(0.5)


async def seed(
    membership: str,
    issuer: DevIssuer,
    *,
    events: str | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    events_transport: httpx.AsyncBaseTransport | None = None,
    people_per_org: int | None = None,
    wait_s: float = 60.0,
    notifications: str | None = None,
    notifications_transport: httpx.AsyncBaseTransport | None = None,
) -> dict[str, int]:
    """What it created, by kind. `people_per_org` makes a smaller network (tests); `transport` talks to an
    app in the same process instead of over the network; `events` (its base URL) adds the year of meetings."""
    seeder = Seeder(membership, issuer, transport, people_per_org)
    try:
        await _ready(seeder.http, membership, wait_s)
        orgs = await seeder.organisations()
        people = await seeder.people(orgs)
        await seeder.groups(people)
        # One voice and staff mobility (issue 10): positions in each state, opportunities with interest.
        municipalities = [(org_id, h) for org, org_id, h in orgs.values() if org.kind == "municipality"]
        seeder.created |= await seed_voice(
            seeder.call, seeder.as_, seeder.admin, seeder.group_ids, municipalities, people
        )
        if notifications is not None:
            seeder.notifications = httpx.AsyncClient(
                base_url=notifications, timeout=60.0, transport=notifications_transport
            )
            await seeder.announce()
    except httpx.TransportError as error:
        hint = f"cannot reach membership at {membership} ({error}); start the platform with `make run`"
        raise SeedFailed(hint) from error
    finally:
        await seeder.close()
    if events is None:
        return seeder.created
    municipalities = [(org_id, headers) for org, org_id, headers in orgs.values() if org.kind == "municipality"]
    async with httpx.AsyncClient(base_url=events, timeout=30.0, transport=events_transport) as http:
        meetings = MeetingsSeeder(http, seeder.admin, wait_s)
        try:
            made = await meetings.run(
                municipalities, seeder.group_ids, seeder.group_members, [sub for sub, _ in people], seeder.as_
            )
        except EventsSeedFailed as failure:
            raise SeedFailed(str(failure)) from failure
        except httpx.TransportError as error:
            raise SeedFailed(
                f"cannot reach events at {events} ({error}); start the platform with `make run`"
            ) from error
    # The conference with its call for papers, programme and reports: six people of member organisations.
    speakers = [sub for sub, _ in people][:: max(1, len(people) // 6)][:6]
    try:
        made |= await seed_programme(events, issuer, speakers, transport=events_transport, wait_s=wait_s)
    except ProgrammeSeedFailed as failure:
        raise SeedFailed(str(failure)) from failure
    # Practices under every label and pilots with their spread: the organisations whose admin is the demo's
    # contact (one someone else applied for has another admin) own and adopt them.
    ours = [
        DemoOrg(org_id, f"demo-{org.slug}-contact")
        for org, org_id, headers in orgs.values()
        if headers is not seeder.admin
    ]
    groups = {name: (seeder.group_ids[name], members) for name, members in seeder.group_members.items()}
    try:
        made |= await seed_knowledge(
            events, issuer, [sub for sub, _ in people], groups, ours, transport=events_transport, wait_s=wait_s
        )
    except KnowledgeSeedFailed as failure:
        raise SeedFailed(str(failure)) from failure
    return seeder.created | made
