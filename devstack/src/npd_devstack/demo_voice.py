"""The demo network's one voice and staff mobility (issue 10), through membership's API: a position in each
state (a draft with two versions, one circulating with some organisations' votes, one published and public
with its endorsers) and open opportunities with interest. Found again by title, so a second run adds nothing.
"""

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

Headers = dict[str, str]
Call = Callable[..., Awaitable[Any]]
As = Callable[..., Headers]

DRAFT = "Notitie: gegevensdeling tussen publieke dienstverleners"
CIRCULATING = "Brief aan de formateur: één overheid voor de burger"
PUBLISHED = "Standpunt: vakmanschap in de publieke dienstverlening"
TEXT = (
    "Het Netwerk Publieke Dienstverleners vraagt het nieuwe kabinet om drie dingen.\n\n"
    "1. Eén loket voor burgers en ondernemers, ongeacht welke organisatie de dienst levert.\n"
    "2. Wettelijke ruimte om gegevens veilig te delen waar dat de burger helpt.\n"
    "3. Investeren in het vakmanschap van de 200.000 mensen die dit werk doen."
)
REVISED = TEXT.replace("veilig te delen", "veilig en controleerbaar te delen")
# (kind, title, organisation index among the member municipalities, days open)
OPPORTUNITIES = (
    ("secondment", "Detachering data-analist, zes maanden", 0, 60),
    ("traineeship", "Traineeship publieke dienstverlening 2027", 1, 90),
    ("job_swap", "Baanruil: klantcontact en handhaving", 2, 45),
    ("shadowing_day", "Meeloopdag bij het Klant Contact Centrum", 3, 30),
)


async def seed_voice(
    call: Call,
    as_: As,
    admin: Headers,
    group_ids: dict[str, str],
    members: Sequence[tuple[str, Headers]],
    people: Sequence[tuple[str, str]],
) -> dict[str, int]:
    """`members`: (organisation id, its admin's headers) of member municipalities; `people`: (sub, org slug),
    each organisation's first person being its board member (npd_devstack.demo_data.role_of)."""
    made = {"positions": 0, "votes": 0, "opportunities": 0, "interests": 0}
    if not group_ids or len(members) < 4:
        return made
    boards = [sub for sub, _ in people if sub.endswith("-0")]
    existing = {p["title"]: p for p in (await call("GET", "/v1/positions", admin, params={"limit": 200}))["items"]}
    deadline = (datetime.now(UTC) + timedelta(days=21)).isoformat()

    async def draft(title: str, group: str) -> str | None:
        if title in existing:
            return None
        body = {"group_id": group_ids[group], "title": title, "text": TEXT}
        position: str = (await call("POST", "/v1/positions", admin, json=body))["id"]
        revision = {"title": title, "text": REVISED, "note": "Controleerbaarheid toegevoegd na de werkgroep."}
        await call("PUT", f"/v1/positions/{position}", admin, json=revision)
        made["positions"] += 1
        return position

    async def circulate_and_vote(position: str, voters: Sequence[str]) -> None:
        await call("POST", f"/v1/positions/{position}/circulate", admin, json={"deadline": deadline})
        for n, sub in enumerate(voters):
            me = await call("GET", "/v1/me", as_(sub))
            vote = ("endorse", "") if n % 3 != 2 else ("abstain", "")
            if n % 4 == 1:
                vote = ("endorse_with_remark", "Wij onderschrijven dit, met aandacht voor kleine gemeenten.")
            url = f"/v1/positions/{position}/votes/{me['organisation_id']}"
            await call("PUT", url, as_(sub), json={"vote": vote[0], "remark": vote[1]})
            made["votes"] += 1

    await draft(DRAFT, "Data sharing")
    circulating = await draft(CIRCULATING, "Board")
    if circulating:
        await circulate_and_vote(circulating, boards[:6])
    published = await draft(PUBLISHED, "HR")
    if published:
        await circulate_and_vote(published, boards[6:18])
        await call("POST", f"/v1/positions/{published}/publish", admin, json={"public": True})

    for kind, title, index, days in OPPORTUNITIES:
        org_id, org_admin = members[index]
        listed = await call("GET", "/v1/opportunities", admin, params={"organisation_id": org_id, "limit": 200})
        found = [o for o in listed["items"] if o["title"] == title]
        if found:
            opportunity = found[0]["id"]
        else:
            body = {
                "organisation_id": org_id,
                "kind": kind,
                "title": title,
                "description": "Voor medewerkers van leden van het netwerk.\nReageer met een korte motivatie.",
                "location": "Op locatie en hybride",
                "expires_at": (datetime.now(UTC) + timedelta(days=days)).isoformat(),
            }
            opportunity = (await call("POST", "/v1/opportunities", org_admin, json=body))["id"]
            made["opportunities"] += 1
        for sub in boards[index * 3 + 20 : index * 3 + 23]:
            note = {
                "note": "Ik wil graag ervaring opdoen bij een andere organisatie.",
                "share_with_own_organisation": False,
            }
            created = await call("POST", f"/v1/opportunities/{opportunity}/interests", as_(sub), ok=(409,), json=note)
            if created.get("status") == "interested":
                made["interests"] += 1
    return made
