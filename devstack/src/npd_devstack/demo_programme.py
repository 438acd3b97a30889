"""The demo's conference and reports, through the events service's API (`make demo`, after the network and
its year of meetings: npd_devstack.demo.seed).

The network's annual conference with a call for papers: six proposals by people of member organisations,
two reviews each, the call closed, four accepted and two rejected by their scores, the accepted ones in two
rooms of the conference's morning, the programme published; and three meetings of the past year with their
reports (two public). Running it again adds nothing: everything is found by its title first.
"""

import asyncio
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from npd_devstack.issuer import DevIssuer

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
ADMIN = "admin"
PROPOSALS = [
    ("Eén loket voor ondernemers", "Dienstverlening", "talk"),
    ("Data delen zonder datalek", "Data", "talk"),
    ("Design thinking in de bijstand", "Dienstverlening", "workshop"),
    ("Wat de benchmark ons leerde", "Data", "talk"),
    ("Samen inkopen, samen leren", "Samenwerking", "talk"),
    ("Van klacht naar verbetering", "Dienstverlening", "workshop"),
]
ROOMS = ("Zaal Utrecht", "Zaal Zwolle")
PAST_MEETINGS = [
    ("Netwerkbijeenkomst voorjaar", 240, "public"),
    ("Netwerkbijeenkomst zomer", 150, "public"),
    ("Bestuursvergadering najaar", 60, "network"),
]


class SeedFailed(Exception):
    pass


class ProgrammeSeeder:
    def __init__(self, events: str, issuer: DevIssuer, transport: httpx.AsyncBaseTransport | None) -> None:
        self.http = httpx.AsyncClient(base_url=events, timeout=30.0, transport=transport)
        self.issuer = issuer
        self._tokens: dict[str, dict[str, str]] = {}
        self.created = {"conferences": 0, "calls": 0, "proposals": 0, "reviews": 0, "decisions": 0}
        self.created |= {"sessions": 0, "programmes published": 0, "past meetings": 0, "reports": 0}

    def as_(self, sub: str) -> dict[str, str]:
        if sub not in self._tokens:
            self._tokens[sub] = {"Authorization": f"Bearer {self.issuer.mint(sub, [])}"}
        return self._tokens[sub]

    async def call(self, method: str, path: str, sub: str, ok: Sequence[int] = (), **kw: Any) -> Any:
        response = await self.http.request(method, path, headers=self.as_(sub), **kw)
        if response.status_code >= 400 and response.status_code not in ok:
            raise SeedFailed(f"{method} {path} as {sub}: {response.status_code} {response.text[:300]}")
        return response.json() if response.content else None

    async def wait_for(self, people: Sequence[str], wait_s: float) -> None:
        """Membership's events reach the events service through Kafka: wait until it knows everyone."""
        deadline = time.monotonic() + wait_s
        for sub in (ADMIN, *people):
            while (await self.http.get("/v1/calls", headers=self.as_(sub))).status_code != 200:
                if time.monotonic() > deadline:
                    raise SeedFailed(f"the events service does not know {sub} yet; is the platform up (`make run`)?")
                await asyncio.sleep(0.5)

    async def meeting(self, title: str, starts: datetime, hours: int, format: str, audience: str) -> str:
        # Meetings that overlap its first minute, page by page: others may meet at that hour too.
        window = {"since": starts.isoformat(), "until": (starts + timedelta(minutes=1)).isoformat(), "limit": 100}
        offset = 0
        while True:
            page = await self.call("GET", "/v1/meetings", ADMIN, params=window | {"offset": offset})
            found = [m for m in page["items"] if m["title"] == title and m["format"] == format]
            if found:
                return str(found[0]["id"])
            offset += len(page["items"])
            if not page["items"] or offset >= page["total"]:
                break
        body = {
            "title": title,
            "description": f"{title}: het netwerk komt samen.",
            "format": format,
            "audience": audience,
            "online": True,
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=hours)).isoformat(),
        }
        self.created["conferences" if format == "conference" else "past meetings"] += 1
        return str((await self.call("POST", "/v1/meetings", ADMIN, json=body))["id"])

    async def conference(self, people: Sequence[str]) -> None:
        year = datetime.now(UTC).year + 1
        starts = datetime(year, 3, 18, 9, 0, tzinfo=AMSTERDAM)
        meeting_id = await self.meeting(f"NPD-jaarcongres {year}", starts, 8, "conference", "network")
        calls = await self.call("GET", "/v1/calls", ADMIN, params={"meeting_id": meeting_id})
        if calls["items"]:
            call = calls["items"][0]
        else:
            body = {
                "meeting_id": meeting_id,
                "title": f"Call for papers: NPD-jaarcongres {year}",
                "description": "Deel wat jouw organisatie leerde over publieke dienstverlening.",
                "topics": ["Dienstverlening", "Data", "Samenwerking"],
                "formats": ["talk", "workshop"],
                "closes_at": (starts - timedelta(days=60)).isoformat(),
            }
            call = await self.call("POST", "/v1/calls", ADMIN, json=body)
            self.created["calls"] += 1
        call_id = call["id"]
        papers = await self.proposals(call, people)
        await self.reviews(papers, people)
        if call["status"] == "open":
            await self.call("POST", f"/v1/calls/{call_id}/close", ADMIN)
        accepted = await self.decisions(papers)
        await self.programme(call_id, accepted, starts)

    async def proposals(self, call: dict[str, Any], people: Sequence[str]) -> list[dict[str, Any]]:
        listed = await self.call("GET", f"/v1/calls/{call['id']}/papers", ADMIN, params={"limit": 100})
        by_title = {p["title"]: p for p in listed["items"]}
        for i, (title, topic, format) in enumerate(PROPOSALS):
            if title in by_title or call["status"] != "open":
                continue
            submitter = people[i % len(people)]
            body = {
                "title": title,
                "abstract": f"{title}: wat wij deden, wat werkte en wat niet. Met voorbeelden uit de praktijk.",
                "topic": topic,
                "format": format,
                "speaker_ids": [submitter, people[(i + 3) % len(people)]] if i % 3 == 0 else [],
            }
            paper = await self.call("POST", f"/v1/calls/{call['id']}/papers", submitter, json=body)
            by_title[title] = paper
            self.created["proposals"] += 1
        return [by_title[title] for title, _, _ in PROPOSALS if title in by_title]

    async def reviews(self, papers: list[dict[str, Any]], people: Sequence[str]) -> None:
        for i, paper in enumerate(papers):
            if paper["status"] != "submitted":
                continue
            involved = {paper["submitter_id"], *paper["speaker_ids"]}
            reviewers = [p for p in people if p not in involved][i % 2 : i % 2 + 2]
            for k, reviewer in enumerate(reviewers):
                await self.call("PUT", f"/v1/papers/{paper['id']}/reviewers/{reviewer}", ADMIN)
                score = 5 - (i + k) % 4 if i < 4 else 2
                body = {"score": score, "comment": "Helder verhaal, sterk voorbeeld." if score > 3 else "Te algemeen."}
                await self.call("PUT", f"/v1/papers/{paper['id']}/review", reviewer, json=body)
                self.created["reviews"] += 1

    async def decisions(self, papers: list[dict[str, Any]]) -> list[dict[str, Any]]:
        decided = []
        for i, paper in enumerate(papers):
            wanted = "accepted" if i < 4 else "rejected"
            if paper["status"] != wanted:
                body = {"decision": wanted}
                paper = await self.call("POST", f"/v1/papers/{paper['id']}/decision", ADMIN, json=body)
                self.created["decisions"] += 1
            decided.append(paper)
        return [p for p in decided if p["status"] == "accepted"]

    async def programme(self, call_id: str, accepted: list[dict[str, Any]], starts: datetime) -> None:
        programme = await self.call("GET", f"/v1/calls/{call_id}/programme", ADMIN)
        placed = {s["paper_id"] for s in programme["sessions"]}
        added = 0
        for i, paper in enumerate(accepted):
            if paper["id"] in placed:
                continue
            slot_start = starts + timedelta(hours=1 + i // 2)
            body = {
                "paper_id": paper["id"],
                "room": ROOMS[i % 2],
                "starts_at": slot_start.isoformat(),
                "ends_at": (slot_start + timedelta(minutes=50)).isoformat(),
            }
            await self.call("POST", f"/v1/calls/{call_id}/sessions", ADMIN, json=body)
            added += 1
        if not any(s["title"] == "Opening" for s in programme["sessions"]):
            opening = {"title": "Opening", "room": ROOMS[0], "starts_at": starts.isoformat()}
            opening["ends_at"] = (starts + timedelta(minutes=45)).isoformat()
            await self.call("POST", f"/v1/calls/{call_id}/sessions", ADMIN, json=opening)
            added += 1
        self.created["sessions"] += added
        if added or programme["published_at"] is None:
            await self.call("POST", f"/v1/calls/{call_id}/programme/publish", ADMIN)
            self.created["programmes published"] += 1

    async def reports(self) -> None:
        today = datetime.now(AMSTERDAM).replace(hour=14, minute=0, second=0, microsecond=0)
        for title, days_ago, visibility in PAST_MEETINGS:
            format = "board_meeting" if "Bestuur" in title else "network_meeting"
            meeting_id = await self.meeting(title, today - timedelta(days=days_ago), 3, format, "network")
            existing = await self.http.get(f"/v1/meetings/{meeting_id}/report", headers=self.as_(ADMIN))
            if existing.status_code == 200:
                continue
            body = {
                "title": f"Verslag: {title}",
                "summary": f"{title}: dertig organisaties spraken over dienstverlening en data.",
                "lessons_learned": "Begin klein, deel vroeg, en nodig de uitvoering uit.",
                "attachments": [
                    {"title": "Presentaties (PDF)", "url": "https://npd.example/verslagen/presentaties.pdf"}
                ],
                "visibility": visibility,
            }
            await self.call("PUT", f"/v1/meetings/{meeting_id}/report", ADMIN, json=body)
            self.created["reports"] += 1


async def seed_programme(
    events: str,
    issuer: DevIssuer,
    people: Sequence[str],
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    wait_s: float = 120.0,
) -> dict[str, int]:
    """What it created, by kind. `people` (at least six, of member organisations) submit and review."""
    seeder = ProgrammeSeeder(events, issuer, transport)
    try:
        await seeder.wait_for(people, wait_s)
        await seeder.conference(people)
        await seeder.reports()
    except httpx.TransportError as error:
        raise SeedFailed(f"cannot reach the events service at {events} ({error}); start it with `make run`") from error
    finally:
        await seeder.http.aclose()
    print("  conference, call for papers, programme and reports: done", file=sys.stderr)
    return seeder.created
