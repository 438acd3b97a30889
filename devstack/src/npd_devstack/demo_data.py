"""The demo network's cast: real kinds of Dutch public bodies, with invented people. Deterministic, so that a
second `npd-dev seed` finds what the first one made."""

import random
from dataclasses import dataclass

MUNICIPALITIES = [
    "Amsterdam",
    "Rotterdam",
    "Den-Haag",
    "Utrecht",
    "Eindhoven",
    "Groningen",
    "Tilburg",
    "Almere",
    "Breda",
    "Nijmegen",
    "Apeldoorn",
    "Arnhem",
    "Haarlem",
    "Enschede",
    "Amersfoort",
    "Zaanstad",
    "'s-Hertogenbosch",
    "Haarlemmermeer",
    "Zwolle",
    "Zoetermeer",
    "Leiden",
    "Maastricht",
    "Dordrecht",
    "Ede",
    "Alphen-aan-den-Rijn",
    "Leeuwarden",
    "Alkmaar",
    "Emmen",
    "Westland",
    "Delft",
    "Venlo",
    "Deventer",
    "Sittard-Geleen",
    "Helmond",
    "Oss",
    "Amstelveen",
    "Hilversum",
    "Heerlen",
    "Nissewaard",
    "Hengelo",
    "Purmerend",
    "Schiedam",
    "Lelystad",
    "Roosendaal",
    "Gouda",
    "Vlaardingen",
    "Hoorn",
    "Almelo",
    "Assen",
    "Veenendaal",
]
AGENCIES = (
    "Belastingdienst",
    "Dienst Toeslagen",
    "UWV",
    "Sociale Verzekeringsbank",
    "Dienst Uitvoering Onderwijs",
    "Centraal Justitieel Incassobureau",
    "Rijksdienst voor Ondernemend Nederland",
    "Immigratie- en Naturalisatiedienst",
    "CBR",
    "RDW",
    "Kadaster",
    "Logius",
    "Dienst Justitiële Inrichtingen",
    "Rijkswaterstaat",
    "CAK",
    "Justis",
    "Rijksdienst voor Identiteitsgegevens",
    "Nederlandse Voedsel- en Warenautoriteit",
    "Centraal Orgaan opvang asielzoekers",
    "Inspectie Leefomgeving en Transport",
)
PROVINCES = ("Noord-Holland", "Zuid-Holland", "Utrecht", "Gelderland", "Overijssel", "Groningen")
WATER_BOARDS = (
    "Hoogheemraadschap van Rijnland",
    "Waterschap Vallei en Veluwe",
    "Wetterskip Fryslân",
    "Waterschap Aa en Maas",
)
INDEPENDENT = ("Centraal Bureau voor de Statistiek", "Kamer van Koophandel", "Autoriteit Persoonsgegevens")

AGENCY_DOMAINS = {
    "Belastingdienst": ["taxes", "finance"],
    "Dienst Toeslagen": ["taxes", "social_security"],
    "UWV": ["social_security", "labour_market"],
    "Sociale Verzekeringsbank": ["social_security"],
    "Dienst Uitvoering Onderwijs": ["education"],
    "Centraal Justitieel Incassobureau": ["justice", "finance"],
    "Immigratie- en Naturalisatiedienst": ["justice", "interior"],
    "Dienst Justitiële Inrichtingen": ["justice", "security"],
    "Justis": ["justice"],
    "Rijkswaterstaat": ["infrastructure", "environment"],
    "Kadaster": ["housing", "infrastructure"],
    "Rijksdienst voor Ondernemend Nederland": ["economic_affairs", "agriculture"],
    "Nederlandse Voedsel- en Warenautoriteit": ["health", "agriculture"],
    "CAK": ["health", "social_security"],
}

WORKING_GROUPS = (
    "Audit", "HR", "Compliance", "Service Delivery", "Data sharing", "Labour market", "Digitalisation",
    "Housing", "Procurement", "Finance and control", "Information security", "Privacy", "Facility management",
    "Communication", "Legal affairs", "Strategy", "Sustainability", "Customer contact", "Records management",
    "Innovation", "Diversity and inclusion",
)  # fmt: skip
EXPERT_COMMUNITIES = (
    "Enterprise architecture", "Data science", "Agile working", "Process mining", "Cloud", "Identity and access",
    "Behavioural insights", "Plain language", "Accessibility", "Algorithm oversight", "Open source",
    "Service design", "Fraud prevention", "Debt assistance", "Workforce planning", "Leadership development",
    "Hybrid working", "Contract management", "Risk management", "Quality management", "Knowledge management",
    "Chain cooperation", "Citizen participation", "Geo-information", "Test automation", "Low code",
)  # fmt: skip
PROGRAMME_TEAMS = ("Annual benchmark", "Staff mobility", "Annual conference")

FIRST = [
    "Anna",
    "Bram",
    "Carlijn",
    "Daan",
    "Eva",
    "Fleur",
    "Gijs",
    "Hanna",
    "Ibrahim",
    "Jasper",
    "Kim",
    "Lars",
    "Lotte",
    "Mohamed",
    "Noor",
    "Olga",
    "Pieter",
    "Quinten",
    "Roos",
    "Sanne",
    "Thijs",
    "Umut",
    "Vera",
    "Wouter",
    "Yara",
    "Zeynep",
    "Bas",
    "Marloes",
    "Ruud",
    "Esther",
    "Koen",
    "Ilse",
    "Sven",
    "Fatima",
    "Joost",
    "Mirjam",
]
LAST = [
    "de Vries",
    "Jansen",
    "de Jong",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Leeuwen",
    "Dekker",
    "Brouwer",
    "de Wit",
    "Dijkstra",
    "Smits",
    "de Graaf",
    "van der Meer",
    "van der Linden",
    "Kok",
    "Jacobs",
    "Haan",
    "Vermeulen",
    "van den Berg",
    "van Dijk",
    "Yilmaz",
    "El Amrani",
    "Kaya",
    "Schouten",
    "Hoekstra",
    "Willems",
    "Koster",
]
FUNCTIONS = (
    "Policy adviser", "Team lead customer contact", "Controller", "HR business partner", "Information manager",
    "Privacy officer", "Data analyst", "Programme manager", "Legal adviser", "Procurement officer", "Architect",
    "Chief information officer", "Director of operations", "Communication adviser", "Auditor", "Case manager",
)  # fmt: skip
SIZES = ("under_250", "250_to_999", "1000_to_4999", "5000_to_19999", "20000_or_more")


@dataclass(frozen=True)
class DemoOrganisation:
    slug: str
    name: str
    kind: str
    domains: list[str]
    size_class: str
    people: int  # besides its contact


def organisations() -> list[DemoOrganisation]:
    rng = random.Random(2026)
    found: list[DemoOrganisation] = []

    def add(name: str, kind: str, domains: list[str], size: str, people: int) -> None:
        slug = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")
        found.append(DemoOrganisation(slug, name, kind, domains, size, people))

    for i, town in enumerate(MUNICIPALITIES):
        size = SIZES[4] if i < 4 else SIZES[3] if i < 12 else SIZES[2]
        add(f"Gemeente {town.replace('-', ' ')}", "municipality", ["social_security", "housing"], size, 18 + i % 17)
    for name in AGENCIES:
        domains = AGENCY_DOMAINS.get(name, ["digital_government"])
        add(name, "executive_agency", domains, rng.choice(SIZES[2:]), 30 + rng.randrange(25))
    for name in PROVINCES:
        add(f"Provincie {name}", "province", ["infrastructure", "environment"], SIZES[2], 12 + rng.randrange(10))
    for name in WATER_BOARDS:
        add(name, "water_board", ["environment"], SIZES[1], 8 + rng.randrange(6))
    for name in INDEPENDENT:
        add(name, "independent_body", ["economic_affairs"], SIZES[1], 10 + rng.randrange(8))
    return found


def person_name(org: DemoOrganisation, n: int) -> str:
    rng = random.Random(f"{org.slug}:{n}")
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def function_of(org: DemoOrganisation, n: int) -> str:
    return random.Random(f"{org.slug}:{n}:function").choice(FUNCTIONS)


def role_of(n: int) -> str:
    """The role of an organisation's n-th invited person: one board member, two advisers, the rest members."""
    return "board_member" if n == 0 else "adviser" if n in (1, 2) else "member"


def announcement() -> dict[str, str]:
    """The programme team's announcement to the whole network; a fixed id keeps `make demo` idempotent."""
    return {
        "id": "6b1f3c2e-9d4a-5e7b-8c0f-1a2b3c4d5e6f",
        "title_nl": "Welkom in het vernieuwde netwerkplatform",
        "body_nl": "Vanaf vandaag vindt u werkgroepen, bijeenkomsten en de benchmark op één plek.",
        "title_en": "Welcome to the renewed network platform",
        "body_en": "From today, working groups, meetings and the benchmark are in one place.",
    }
