"""A network the size the architecture plans for, for bench/directory.py: organisations, people with roles,
groups and memberships, written with COPY into membership's (migrated, empty) database.

Deterministic (one seeded random generator), so every run searches the same data. Organisation sizes are
skewed (a few large agencies, many small municipalities); most people are visible to the whole network.
"""

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

import asyncpg

FIRST = (  # noqa: SIM905 (a list of names reads better as prose)
    "Anna Bram Carla Daan Eva Fleur Gert Hanna Iris Jan Joost Karin Lars Lotte Maarten Marieke Noor Olaf Petra "
    "Pieter Rik Roos Sander Saskia Thijs Tineke Ute Vera Wouter Yara Zeno Ahmed Fatima Mohamed Samira Kees Els "
    "Henk Ingrid Bas Mila Sem Julia Lucas Sophie Finn Tess Milan Lieke Ruben Femke Jesse Anouk Stijn Nina Koen"
).split()
PREFIX = ("", "", "", "", "de ", "van ", "van der ", "van den ", "ter ", "El ")
LAST = (  # noqa: SIM905
    "Jansen Janssen Vries Bakker Visser Smit Meijer Mulder Boer Bos Vos Peters Hendriks Dekker Brouwer Dijkstra "
    "Koster Prins Kok Wit Leeuwen Berg Linden Huisman Kuipers Veenstra Schouten Post Vermeulen Willems Jacobs "
    "Kramer Bosch Haan Vink Wal Molenaar Groot Graaf Maas Verhoeven Postma Hoekstra Timmermans Kaya Yilmaz Amrani "
    "Boukhari Wijk Dam Heuvel Broek Laan Koning Schipper Doorn Wolff Zwart Groen Sanders Blom Jonker Kuiper"
).split()
FUNCTIONS = (
    "Adviseur dienstverlening",
    "Beleidsmedewerker",
    "Teamleider burgerzaken",
    "Informatieadviseur",
    "Projectleider digitalisering",
    "Klantcontactmedewerker",
    "Privacy officer",
    "Programmamanager",
    "Jurist",
    "Data-analist",
    None,
)
KINDS = ("municipality", "executive_agency", "province", "water_board", "independent_body")
AT = datetime(2026, 1, 5, tzinfo=UTC)


@dataclass(frozen=True)
class Network:
    organisations: list[UUID]
    network_admin: str
    # A plain member of a mid-sized organisation: the directory's everyday caller.
    member: str
    member_org: UUID


def _uuid(rng: random.Random) -> UUID:
    return UUID(int=rng.getrandbits(128), version=4)


async def build(dsn: str, n_orgs: int, n_people: int, n_groups: int, seed: int = 7) -> Network:
    rng = random.Random(seed)
    orgs = [_uuid(rng) for _ in range(n_orgs)]
    org_rows = [
        (org, f"{KINDS[i % len(KINDS)].replace('_', ' ').title()} {i:04d}", KINDS[i % len(KINDS)], [], "member",
         "contact", "Contact", f"contact{i}@example.nl", AT, AT, AT)
        for i, org in enumerate(orgs)
    ]  # fmt: skip
    # Zipf-like sizes: the largest organisation has some 4 % of everyone, the smallest a few dozen.
    members_of = rng.choices(orgs, weights=[1 / (rank + 8) for rank in range(n_orgs)], k=n_people)
    people, roles, active = [], [], []
    admins_of: dict[UUID, int] = {}
    for i, org in enumerate(members_of):
        pid = f"p{i:07d}"
        status = rng.choices(("active", "left", "erased"), weights=(97, 2, 1))[0]
        if status == "erased":
            people.append((pid, org, "(erased)", None, "nl", None, "hidden", status, AT, AT, AT))
            continue
        name = f"{rng.choice(FIRST)} {rng.choice(PREFIX)}{rng.choice(LAST)}"
        visibility = rng.choices(("network", "organisation", "hidden"), weights=(80, 15, 5))[0]
        email = f"{pid}@example.nl"
        language = "nl" if rng.random() < 0.9 else "en"
        function = rng.choice(FUNCTIONS)
        people.append((pid, org, name, email, language, function, visibility, status, AT, None, None))
        if status != "active":
            continue
        active.append(pid)
        roles.append((pid, "member", org, AT))
        if admins_of.get(org, 0) < 2:
            admins_of[org] = admins_of.get(org, 0) + 1
            roles.append((pid, "org_admin", org, AT))
    network_admin = "p-network-admin"
    people.append((network_admin, None, "Programmateam Beheer", "team@example.nl", "nl", None, "network", "active",
                   AT, None, None))  # fmt: skip
    roles.append((network_admin, "network_admin", None, AT))

    groups = [(_uuid(rng), f"Werkgroep {i:03d}", "working_group", "dienstverlening", "", "open", "active", AT)
              for i in range(n_groups)]  # fmt: skip
    seats = []
    for pid in rng.sample(active, k=len(active) // 4):
        for group in rng.sample(groups, k=rng.randint(1, 3)):
            seats.append((group[0], pid, "chair" if rng.random() < 0.02 else "member", "active", AT, AT))

    member_org = orgs[n_orgs // 10]
    admins = {pid for pid, role, _, _ in roles if role == "org_admin"}
    member = next(p[0] for p in people if p[1] == member_org and p[7] == "active" and p[0] not in admins)
    connection = await asyncpg.connect(dsn)
    try:
        copy = connection.copy_records_to_table
        await copy("organisations", records=org_rows, columns=[
            "id", "name", "kind", "domains", "status", "contact_person_id", "contact_name", "contact_email",
            "applied_at", "status_changed_at", "joined_at"])  # fmt: skip
        await copy("people", records=people, columns=[
            "id", "organisation_id", "name", "email", "language", "function_title", "visibility", "status",
            "registered_at", "left_at", "erased_at"])  # fmt: skip
        await copy("person_roles", records=roles, columns=["person_id", "role", "organisation_id", "granted_at"])
        await copy("groups", records=groups, columns=[
            "id", "name", "kind", "topic", "description", "joining", "status", "created_at"])  # fmt: skip
        await copy("group_members", records=seats, columns=[
            "group_id", "person_id", "role", "status", "requested_at", "joined_at"])  # fmt: skip
        await connection.execute("VACUUM ANALYZE")
    finally:
        await connection.close()
    return Network(orgs, network_admin, member, member_org)
