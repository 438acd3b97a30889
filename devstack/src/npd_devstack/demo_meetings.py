"""The demo network's year of meetings, through the events service's API: venues at member municipalities, a
year of board meetings, quarterly network meetings with a guest chair rotating over the municipalities,
working-group sessions, a residents' evening, and registrations. Series are found again by title, venues by
organisation and name, and registering twice is a 409, so a second run adds nothing.

The events service learns the network (organisations, groups, who holds which role) from membership's events,
a moment after membership has them: calls that name what it does not know yet are retried for a while.
"""

import asyncio
import functools
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import Any

import httpx

Headers = dict[str, str]
VENUES = ("Raadzaal", "Stadskantoor, zaal 1")
GROUP_SESSIONS = 5  # working groups with a monthly session series


class EventsSeedFailed(Exception):
    pass


def _next(weekday: int, after: date) -> date:
    return after + timedelta(days=(weekday - after.weekday()) % 7 or 7)


class MeetingsSeeder:
    def __init__(self, http: httpx.AsyncClient, admin: Headers, wait_s: float) -> None:
        self.http, self.admin, self.wait_s = http, admin, wait_s
        self.created = {"venues": 0, "series": 0, "registrations": 0}

    async def _retrying(self, call: Callable[[], Awaitable[httpx.Response]], until_known: set[int]) -> httpx.Response:
        """The call, again while it answers one of `until_known` (the events service has not learnt yet)."""
        deadline = time.monotonic() + self.wait_s
        while True:
            response = await call()
            if response.status_code not in until_known or time.monotonic() > deadline:
                return response
            await asyncio.sleep(0.5)

    async def _ok(self, response: httpx.Response, what: str, ok: tuple[int, ...] = ()) -> Any:
        if response.status_code >= 400 and response.status_code not in ok:
            raise EventsSeedFailed(f"{what}: {response.status_code} {response.text[:300]}")
        return response.json() if response.content else None

    async def run(
        self, municipalities: list[tuple[str, Headers]], groups: dict[str, str], members: dict[str, list[str]],
        people: list[str], as_: Callable[[str], Headers],
    ) -> dict[str, int]:  # fmt: skip
        print("  meetings       venues, series and registrations in the events service ...", file=sys.stderr)
        await self._ok(await self._retrying(lambda: self.http.get("/v1/venues", headers=self.admin), {403}), "venues")
        venue = await self.venues(municipalities[:3])
        known = await self.series_titles()
        today = date.today()
        board = groups.get("Board")
        first_tuesday = _next(1, today)
        plans: list[dict[str, Any]] = [
            {
                "title": "Bestuursvergadering",
                "format": "board_meeting",
                "audience": "board",
                "host_group_id": board,
                "online": True,
                "rule": "FREQ=MONTHLY;BYDAY=2TU;COUNT=12",
                "starts_at": f"{first_tuesday.isoformat()}T10:00:00",
                "duration_minutes": 120,
            },
            {
                "title": "Netwerkbijeenkomst",
                "description": "Elk kwartaal bij een andere gemeente, met een gastvoorzitter uit de gemeenten.",
                "format": "network_meeting",
                "audience": "network",
                "venue_id": venue,
                "online": True,
                "capacity": 150,
                "offer_hours": 48,
                "rule": "FREQ=MONTHLY;INTERVAL=3;BYDAY=2TH;COUNT=8",
                "starts_at": f"{_next(3, today).isoformat()}T13:00:00",
                "duration_minutes": 240,
                "registration_closes_minutes_before": 24 * 60,
                "guest_chair_kinds": ["municipality"],
                "chair_lead_days": 400,
            },
            {
                "title": "Bewonersavond: open overheid",
                "format": "residents_meeting",
                "audience": "public",
                "venue_id": venue,
                "online": True,
                "capacity": 200,
                "rule": "FREQ=YEARLY;COUNT=1",
                "starts_at": f"{(today + timedelta(days=60)).isoformat()}T19:30:00",
                "duration_minutes": 120,
            },
        ]
        working = [name for name in groups if name != "Board"][:GROUP_SESSIONS]
        for name in working:
            plans.append(
                {
                    "title": f"{name}: werksessie",
                    "format": "working_group_session",
                    "audience": "group",
                    "host_group_id": groups[name],
                    "online": True,
                    "capacity": 25,
                    "rule": "FREQ=MONTHLY;BYDAY=1WE;COUNT=10",
                    "starts_at": f"{_next(2, today).isoformat()}T15:00:00",
                    "duration_minutes": 90,
                }
            )
        series = {}
        for plan in plans:
            if plan.get("host_group_id", "") is None:
                plan.pop("host_group_id")
            if plan["title"] in known:
                series[plan["title"]] = known[plan["title"]]
                continue
            made = await self._retrying(
                functools.partial(self.http.post, "/v1/series", json=plan, headers=self.admin), {422}
            )
            series[plan["title"]] = (await self._ok(made, f"series {plan['title']}"))["id"]
            self.created["series"] += 1
        await self.register(series["Netwerkbijeenkomst"], people[:60], as_)
        for name in working:
            await self.register(series[f"{name}: werksessie"], members.get(name, [])[:15], as_)
        return self.created

    async def venues(self, municipalities: list[tuple[str, Headers]]) -> str | None:
        first = None
        for org_id, _ in municipalities:
            page = await self._ok(
                await self.http.get("/v1/venues", params={"organisation_id": org_id}, headers=self.admin), "venues"
            )
            have = {v["name"]: v["id"] for v in page["items"]}
            for i, name in enumerate(VENUES):
                if name not in have:
                    body = {
                        "organisation_id": org_id,
                        "name": name,
                        "address": f"Markt {i + 1}",
                        "postal_code": "1234 AB",
                        "city": "Demo",
                        "capacity": 150,
                    }
                    made = await self._retrying(
                        functools.partial(self.http.post, "/v1/venues", json=body, headers=self.admin), {422}
                    )
                    have[name] = (await self._ok(made, "venue"))["id"]
                    self.created["venues"] += 1
            first = first or have[VENUES[0]]
        return first

    async def series_titles(self) -> dict[str, str]:
        page = await self._ok(await self.http.get("/v1/series", params={"limit": 200}, headers=self.admin), "series")
        return {s["title"]: s["id"] for s in page["items"]}

    async def register(self, series_id: str, people: list[str], as_: Callable[[str], Headers]) -> None:
        """These people register for the series' first occurrence still to come."""
        page = await self._ok(
            await self.http.get("/v1/meetings", params={"series_id": series_id, "limit": 1}, headers=self.admin),
            "meetings",
        )
        if not page["items"]:
            return
        path = f"/v1/meetings/{page['items'][0]['id']}/registrations"
        for person in people:
            made = await self._retrying(functools.partial(self.http.post, path, headers=as_(person)), {403})
            await self._ok(made, f"registering {person}", ok=(403, 409))
            self.created["registrations"] += made.status_code == 201
