"""A stream whose order per aggregate can be checked: K organisations, each renamed V times in turn through
membership's own use case (round v renames every organisation to "... v<v>" in one transaction), so an
OrganisationProfileChanged's version is in its payload and each key must show versions 1..V in order."""

import asyncio
import json
import re
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from uuid import UUID, uuid4

from npd_contracts import OrganisationProfileChanged
from npd_membership.main import PUBLISHES as MEMBERSHIP_PUBLISHES
from npd_membership.organisations import service as organisations
from npd_membership.organisations.domain import OrganisationKind, Profile
from npd_runtime.outbox import Publisher
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from .conftest import Record, connected

RENAMED = OrganisationProfileChanged.TYPE
_VERSION = re.compile(r" v(\d+)$")


class Renames:
    def __init__(self, database_url: str, organisations: int, versions: int) -> None:
        self.database_url = database_url
        self.k = organisations
        self.v = versions
        self.tag = uuid4().hex[:8]
        self.ids: list[UUID] = []

    @property
    def expected(self) -> int:
        return self.k * self.v

    def name(self, i: int, version: int) -> str:
        return f"Rename {self.tag} {i} v{version}"

    async def create(self, status: str = "applied") -> None:
        now = datetime.now(UTC)
        rows = [
            (uuid4(), self.name(i, 0), "municipality", status, f"rename-{self.tag}-{i}", f"r{i}@x.example", now)
            for i in range(self.k)
        ]
        async with connected(self.database_url) as conn:
            await conn.copy_records_to_table(
                "organisations",
                records=rows,
                columns=["id", "name", "kind", "status", "contact_person_id", "contact_email", "applied_at"],
            )
        self.ids = [row[0] for row in rows]

    async def write(self, admit_first: bool = False, gates: dict[int, asyncio.Event] | None = None) -> None:
        """Optionally admit every organisation (MemberJoined), then V rounds of renames, one transaction each;
        round r waits for `gates[r]` if there is one (so a fault can be set up mid-stream)."""
        engine = create_async_engine(self.database_url)
        info = Publisher("/npd/membership", frozenset(MEMBERSHIP_PUBLISHES)).session_info()
        try:
            if admit_first:
                async with AsyncSession(engine, info=info) as session, session.begin():
                    for org_id in self.ids:
                        await organisations.admit_organisation(session, org_id, by="fault-suite")
            for version in range(1, self.v + 1):
                if gates and version in gates:
                    await asyncio.wait_for(gates[version].wait(), 180)
                async with AsyncSession(engine, info=info) as session, session.begin():
                    for i, org_id in enumerate(self.ids):
                        profile = Profile(self.name(i, version), OrganisationKind.MUNICIPALITY, (), None)
                        await organisations.change_profile(session, org_id, profile)
        finally:
            await engine.dispose()


def version(name: str) -> int:
    found = _VERSION.search(name)
    assert found, f"not a name of this stream: {name!r}"
    return int(found.group(1))


def versions_on_topic(records: Sequence[Record], ids: Sequence[UUID]) -> tuple[dict[str, list[int]], int]:
    """Per organisation, the versions of its renames in topic order, each event's first copy only (a copy
    is skipped by every consumer); and how many copies there were."""
    wanted = {str(i) for i in ids}
    seen: set[str] = set()
    copies = 0
    by_key: dict[str, list[int]] = defaultdict(list)
    for record in sorted(records, key=lambda r: (r.partition, r.offset)):
        if record.event_type != RENAMED or record.key not in wanted:
            continue
        if record.event_id in seen:
            copies += 1
            continue
        seen.add(record.event_id)
        by_key[record.key].append(version(json.loads(record.value)["name"]))
    return by_key, copies


def out_of_order(by_key: dict[str, list[int]], expected: list[int]) -> dict[str, list[int]]:
    """The keys whose versions are not exactly `expected`, in that order."""
    return {key: got for key, got in by_key.items() if got != expected}
