"""The demo's practices and pilots, through the events service's API (`make demo`, after the conference and
reports: npd_devstack.demo.seed).

Nine practices shared by demo people under every label: two public, three for the network, two for the
members of a working group, two under the Chatham House rule; linked to the past meetings' reports where the
programme seeded them. Three pilots registered by their owners' admins, each with its trojka and
stakeholders, followed by a few people, and adopted by several member organisations in each status
(intends, started, in_use), each declared by that organisation's own admin. Running it again adds nothing:
everything is found by its title first.
"""

import asyncio
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from npd_devstack.issuer import DevIssuer

ADMIN = "admin"
# The reports npd_devstack.demo_programme publishes; a practice links to one when it is there.
REPORTS = ("Verslag: Netwerkbijeenkomst voorjaar", "Verslag: Netwerkbijeenkomst zomer")
STATUSES = ("intends", "intends", "started", "started", "in_use", "in_use")  # adoption, per pilot


@dataclass(frozen=True)
class DemoPractice:
    title: str
    label: str
    themes: tuple[str, ...]
    tried: str
    worked: str
    failed: str
    lessons: str
    group: str | None = None  # for the group label: which of the demo's working groups
    report: int | None = None  # index into REPORTS
    kpis: tuple[str, ...] = ()


PRACTICES = (
    DemoPractice(
        "Eén digitaal loket voor bijstand en schuldhulp",
        "public",
        ("service_delivery",),
        "Inwoners vroegen bijstand en schuldhulp aan via twee formulieren bij twee afdelingen. Wij maakten één "
        "aanvraag met één klantregisseur.",
        "De doorlooptijd halveerde; inwoners hoeven hun verhaal maar één keer te vertellen.",
        "De koppeling met het oude zaaksysteem kostte drie maanden meer dan gepland.",
        "Begin bij de inwoner en de klantreis, niet bij de systemen.",
        report=0,
    ),
    DemoPractice(
        "Brieven in begrijpelijke taal: taalniveau B1 in alle standaardbrieven",
        "public",
        ("service_delivery", "communication"),
        "Wij herschreven de 120 meest verstuurde brieven met inwoners uit een lezerspanel.",
        "Een derde minder telefoontjes met vragen over brieven.",
        "Juridische teksten bleven lang; de jurist moet vanaf het begin aan tafel.",
        "Test elke brief met echte lezers voordat hij de deur uitgaat.",
    ),
    DemoPractice(
        "Risicogerichte interne audit op het sociaal domein",
        "network",
        ("audit", "finance"),
        "In plaats van elk jaar alle regelingen te toetsen, kozen wij de controles op basis van een risicoanalyse "
        "met de afdeling Control.",
        "Minder controles, meer bevindingen die ertoe doen; het college leest de rapportage nu echt.",
        "De eerste risicoanalyse was te grof: twee regelingen vielen er ten onrechte buiten.",
        "Herijk de risicoanalyse elk halfjaar en leg de keuzes vast voor de accountant.",
        report=1,
    ),
    DemoPractice(
        "Strategische personeelsplanning met de benchmark als spiegel",
        "network",
        ("hr",),
        "Wij legden onze leeftijdsopbouw en instroom naast die van vergelijkbare organisaties in de benchmark.",
        "Het MT zag de uitstroomgolf van 2028 op tijd en startte een traineeprogramma.",
        "De cijfers over flexibele inhuur waren niet vergelijkbaar tussen organisaties.",
        "Spreek definities af voordat je vergelijkt.",
        kpis=("sickness_absence_pct",),
    ),
    DemoPractice(
        "Gegevens delen met de Belastingdienst via een convenant en een DPIA",
        "network",
        ("data_sharing", "privacy"),
        "Voor de kwijtschelding van gemeentelijke belastingen vroegen wij inkomensgegevens op via een convenant, "
        "met een DPIA vooraf.",
        "Inwoners met een laag inkomen krijgen automatisch kwijtschelding, zonder aanvraag.",
        "Het convenant duurde een jaar; de juristen van beide kanten wachtten op elkaar.",
        "Leg de grondslag vroeg voor aan de functionaris gegevensbescherming.",
    ),
    DemoPractice(
        "Compliance-toets op nieuwe regelingen in de werkgroep",
        "group",
        ("compliance",),
        "Elke nieuwe regeling gaat langs een vaste checklist van de werkgroep voordat het college besluit.",
        "Wij vonden twee keer een strijdigheid met de Europese aanbestedingsregels op tijd.",
        "De checklist werd te lang; niemand vulde hem meer volledig in.",
        "Houd de checklist kort en laat hem jaarlijks door de werkgroep herzien.",
        group="Compliance",
    ),
    DemoPractice(
        "Auditbevindingen opvolgen met een gedeeld actieregister",
        "group",
        ("audit",),
        "Wij zetten alle bevindingen van de interne en externe audit in één register met eigenaar en termijn.",
        "Het aantal openstaande bevindingen ouder dan een jaar daalde van 34 naar 6.",
        "Eigenaarschap bij teams zonder leidinggevende bleef lastig.",
        "Bespreek het register elk kwartaal in het MT, niet alleen bij de auditcommissie.",
        group="Audit",
    ),
    DemoPractice(
        "Integriteitsmelding die misliep: wat wij ervan leerden",
        "chatham_house",
        ("compliance", "hr"),
        "Een melding over belangenverstrengeling bleef maanden liggen tussen HR en de vertrouwenspersoon.",
        "Na een extern onderzoek kwam er één meldpunt met vaste termijnen.",
        "De melder voelde zich niet beschermd en vertrok.",
        "Leg vooraf vast wie een melding oppakt en bescherm de melder zichtbaar.",
    ),
    DemoPractice(
        "Datalek bij een leverancier: de eerste 72 uur",
        "chatham_house",
        ("information_security", "data_sharing"),
        "Een leverancier van ons klantcontactsysteem meldde een lek op vrijdagavond; wij moesten binnen 72 uur "
        "melden bij de Autoriteit Persoonsgegevens.",
        "Het draaiboek met vaste rollen werkte; de melding ging op tijd de deur uit.",
        "De verwerkersovereenkomst regelde niet wie de betrokkenen informeert.",
        "Oefen het draaiboek jaarlijks en regel de informatieplicht in elke verwerkersovereenkomst.",
    ),
)


@dataclass(frozen=True)
class DemoPilot:
    title: str
    problem: str
    approach: str
    status: str
    results: str
    supplier: str
    stakeholders: tuple[tuple[str, str], ...]


PILOTS = (
    DemoPilot(
        "Proactieve dienstverlening schuldhulp",
        "Inwoners met betalingsachterstanden melden zich gemiddeld pas na vijf jaar bij de schuldhulp.",
        "Signalen van vroegsignalering (huur, energie, zorgverzekering) leiden binnen twee weken tot een "
        "huisbezoek van een schuldhulpverlener.",
        "running",
        "Na zes maanden accepteerde 41% van de benaderde huishoudens hulp.",
        "VNG Realisatie",
        (("Divosa", "kennispartner"), ("Woningcorporaties in de regio", "signaalpartner")),
    ),
    DemoPilot(
        "Digitale ondertekening van personeelsdossiers",
        "Papieren arbeidsovereenkomsten en wijzigingen kosten HR veel tijd en raken zoek.",
        "Arbeidsovereenkomsten en wijzigingen worden digitaal ondertekend en direct in het e-HRM-dossier gearchiveerd.",
        "evaluating",
        "Doorlooptijd van een contractwijziging van drie weken naar twee dagen.",
        "Logius",
        (("Ondernemingsraad", "medezeggenschap"), ("Nationaal Archief", "adviseur archivering")),
    ),
    DemoPilot(
        "Eén gegevensuitwisseling voor inkomensgegevens in de keten",
        "Gemeenten, UWV en SVB vragen inwoners om dezelfde inkomensgegevens, elk op hun eigen manier.",
        "Een gedeelde afspraak over één bron en één koppelvlak, met toestemming van de inwoner en een "
        "gezamenlijke DPIA.",
        "proven",
        "In drie gemeenten hoeven inwoners hun inkomen niet meer aan te leveren voor bijzondere bijstand.",
        "Inlichtingenbureau",
        (("Ministerie van SZW", "opdrachtgever"), ("Autoriteit Persoonsgegevens", "toezichthouder")),
    ),
)


@dataclass(frozen=True)
class DemoOrg:
    organisation_id: str
    admin: str  # the subject of its admin in the demo (`demo-<slug>-contact`)


class SeedFailed(Exception):
    pass


class KnowledgeSeeder:
    def __init__(self, events: str, issuer: DevIssuer, transport: httpx.AsyncBaseTransport | None, wait_s: float):
        self.http = httpx.AsyncClient(base_url=events, timeout=30.0, transport=transport)
        self.issuer, self.wait_s = issuer, wait_s
        self._tokens: dict[str, dict[str, str]] = {}
        self.created = {"practices": 0, "pilots": 0, "pilot follows": 0, "adoptions": 0}

    def as_(self, sub: str) -> dict[str, str]:
        if sub not in self._tokens:
            self._tokens[sub] = {"Authorization": f"Bearer {self.issuer.mint(sub, [])}"}
        return self._tokens[sub]

    async def call(self, method: str, path: str, sub: str, until_known: Sequence[int] = (), **kw: Any) -> Any:
        """The call; again while it answers one of `until_known` (what membership says of the caller, their
        groups and roles, reaches the events service through Kafka, and may not have yet)."""
        deadline = time.monotonic() + self.wait_s
        while True:
            response = await self.http.request(method, path, headers=self.as_(sub), **kw)
            if response.status_code not in until_known or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.5)
        if response.status_code >= 400:
            raise SeedFailed(f"{method} {path} as {sub}: {response.status_code} {response.text[:300]}")
        return response.json() if response.content else None

    async def every(self, path: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """All items of a listing, page by page, as the network admin (who reads every label)."""
        items: list[dict[str, Any]] = []
        while True:
            page = await self.call(
                "GET", path, ADMIN, (403,), params={**(params or {}), "limit": 100, "offset": len(items)}
            )
            items += page["items"]
            if not page["items"] or len(items) >= page["total"]:
                return items

    async def practices(self, authors: Sequence[str], groups: Mapping[str, tuple[str, Sequence[str]]]) -> None:
        shared = {p["title"] for p in await self.every("/v1/practices")}
        reports = {r["title"]: r["id"] for r in await self.every("/v1/reports")}
        # The group practices go to the demo's working groups that have members, the named one if it has.
        with_members = [name for name, (_, members) in groups.items() if members]
        for i, practice in enumerate(PRACTICES):
            if practice.title in shared:
                continue
            group_id = None
            author = authors[(i * 5) % len(authors)]
            if practice.group is not None:
                if not with_members:
                    continue  # a network without groups (membership without its groups API) has no group practices
                name = practice.group if practice.group in with_members else with_members[i % len(with_members)]
                group_id, members = groups[name]
                author = members[0]
            report = reports.get(REPORTS[practice.report]) if practice.report is not None else None
            body = {
                "title": practice.title,
                "tried": practice.tried,
                "worked": practice.worked,
                "failed": practice.failed,
                "lessons": practice.lessons,
                "contact": f"Team {practice.themes[0].replace('_', ' ')}, via het netwerkplatform",
                "themes": list(practice.themes),
                "label": practice.label,
                "group_id": group_id,
                "report_ids": [report] if report else [],
                "kpi_ids": list(practice.kpis),
            }
            await self.call("POST", "/v1/practices", author, (403,), json=body)
            self.created["practices"] += 1

    async def pilots(self, orgs: Sequence[DemoOrg], followers: Sequence[str]) -> None:
        registered = {p["title"]: p for p in await self.every("/v1/pilots")}
        for i, demo in enumerate(PILOTS):
            owner, executive = orgs[i % len(orgs)], orgs[(i + 3) % len(orgs)]
            pilot = registered.get(demo.title)
            if pilot is None:
                body = {
                    "title": demo.title,
                    "problem": demo.problem,
                    "approach": demo.approach,
                    "status": demo.status,
                    "results": demo.results,
                    "owner_organisation_id": owner.organisation_id,
                    "executive_organisation_id": executive.organisation_id,
                    "supplier_name": demo.supplier,
                    "stakeholders": [{"name": n, "role": r} for n, r in demo.stakeholders]
                    + [
                        {
                            "name": "Uitvoerende organisatie",
                            "role": "uitvoerder",
                            "organisation_id": executive.organisation_id,
                        }
                    ],
                }
                pilot = await self.call("POST", "/v1/pilots", owner.admin, (403, 422), json=body)
                self.created["pilots"] += 1
            await self.follow(pilot["id"], [followers[(i * 3 + k) % len(followers)] for k in range(3)])
            adopters = [orgs[(i * 2 + 1 + k) % len(orgs)] for k in range(len(STATUSES))]
            await self.adopt(pilot["id"], [(o, s) for o, s in zip(adopters, STATUSES, strict=True) if o != owner])

    async def follow(self, pilot_id: str, people: Sequence[str]) -> None:
        for sub in dict.fromkeys(people):
            seen = await self.call("GET", f"/v1/pilots/{pilot_id}", sub, (403,))
            if not seen["following"]:
                await self.call("PUT", f"/v1/pilots/{pilot_id}/follow", sub, (403,))
                self.created["pilot follows"] += 1

    async def adopt(self, pilot_id: str, adoptions: Sequence[tuple[DemoOrg, str]]) -> None:
        current = await self.call("GET", f"/v1/pilots/{pilot_id}/adoptions", ADMIN)
        declared = {a["organisation_id"]: a["status"] for a in current["items"]}
        for org, status in adoptions:
            if declared.get(org.organisation_id) == status:
                continue
            path = f"/v1/pilots/{pilot_id}/adoptions/{org.organisation_id}"
            await self.call("PUT", path, org.admin, (403,), json={"status": status})
            self.created["adoptions"] += 1


async def seed_knowledge(
    events: str,
    issuer: DevIssuer,
    people: Sequence[str],
    groups: Mapping[str, tuple[str, Sequence[str]]],
    organisations: Sequence[DemoOrg],
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    wait_s: float = 120.0,
) -> dict[str, int]:
    """What it created, by kind. `people` (of member organisations) share and follow; `groups` (name -> id and
    members) take the group practices; `organisations` (at least seven, each with its admin) own, run and adopt
    the pilots."""
    if len(organisations) < 7:
        raise SeedFailed(f"the pilots need seven member organisations with their admins, not {len(organisations)}")
    seeder = KnowledgeSeeder(events, issuer, transport, wait_s)
    try:
        await seeder.practices(people, groups)
        await seeder.pilots(organisations, people)
    except httpx.TransportError as error:
        raise SeedFailed(f"cannot reach the events service at {events} ({error}); start it with `make run`") from error
    finally:
        await seeder.http.aclose()
    print("  practices under every label, pilots with their followers and adoption: done", file=sys.stderr)
    return seeder.created
