"""Publishing a cycle's results in bulk: every KPI over every standard peer group, each figure decided by
disclosure control against everything released before (earlier versions and composed groups included).
Nothing here commits; the entrypoint owns the transaction."""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import npd_contracts as contracts
import numpy as np
from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from npd_benchmark.catalogue import service as catalogue
from npd_benchmark.cycles.domain import Cycle
from npd_benchmark.cycles.service import get_cycle, now
from npd_benchmark.models import CYCLES, member_sets
from npd_benchmark.results.disclosure import Figures, Ledger, Policy, decide, decide_again

_FINAL = text(
    "SELECT s.organisation_id, p.kind, p.size_class, p.domains FROM submissions s "
    "LEFT JOIN peers p ON p.id = s.organisation_id "
    "WHERE s.cycle_id = :cycle AND s.status = 'final' ORDER BY s.organisation_id"
)
# Each value with its organisation's position in _FINAL's order (integers decode far faster than UUIDs).
_VALUES = text(
    "WITH f AS (SELECT id, CAST(row_number() OVER (ORDER BY organisation_id) - 1 AS int) AS i FROM submissions "
    "WHERE cycle_id = :cycle AND status = 'final') "
    "SELECT v.kpi_id, array_agg(f.i), array_agg(v.value) FROM submission_values v JOIN f ON f.id = v.submission_id "
    "GROUP BY v.kpi_id"
)
_CHANGED = text(
    "SELECT DISTINCT h.kpi_id, s.organisation_id FROM value_history h JOIN submissions s ON s.id = h.submission_id "
    "WHERE s.cycle_id = :cycle AND h.changed_at > :since"
)
_RELEASED = text(
    "SELECT r.version, r.kpi_id, r.peer_group, r.count, r.stats, r.withheld, m.members FROM results r "
    "JOIN member_sets m ON m.digest = r.member_set WHERE r.cycle_id = :cycle AND r.count IS NOT NULL "
    "UNION ALL SELECT 0, c.kpi_id, '', c.count, c.stats, '{}'::jsonb, m.members FROM composed_releases c "
    "JOIN member_sets m ON m.digest = c.member_set WHERE c.cycle_id = :cycle"
)


@dataclass
class Universe:
    """The organisations of a cycle's releases, each with a bit position, and the standard peer groups."""

    orgs: list[UUID]
    final: int  # the first `final` of `orgs` are the cycle's final submissions; the rest were released before
    index: dict[UUID, int]
    groups: dict[str, np.ndarray]  # peer group -> boolean mask over `orgs`

    def add(self, org: UUID) -> int:
        if org not in self.index:
            self.index[org] = len(self.orgs)
            self.orgs.append(org)
        return self.index[org]

    def bits(self, members: Iterable[UUID]) -> int:
        out = 0
        for org in members:
            out |= 1 << self.add(org)
        return out


def digest(members: list[UUID]) -> str:
    return hashlib.sha256(b"".join(sorted(m.bytes for m in members))).hexdigest()


async def universe(session: AsyncSession, cycle_id: UUID) -> Universe:
    rows = list(await session.execute(_FINAL, {"cycle": cycle_id}))
    orgs = [row[0] for row in rows]
    n = len(orgs)
    groups: dict[str, np.ndarray] = {"all": np.ones(n, dtype=bool)}
    for i, (_, kind, size, domains) in enumerate(rows):
        keys = [f"kind:{kind}"] if kind else []
        keys += [f"size:{size}"] if size else []
        keys += [f"domain:{d}" for d in domains or ()]
        for key in keys:
            groups.setdefault(key, np.zeros(n, dtype=bool))[i] = True
    return Universe(orgs, n, {o: i for i, o in enumerate(orgs)}, dict(sorted(groups.items(), key=_group_order)))


def _group_order(item: tuple[str, Any]) -> tuple[int, str]:
    return ({"all": 0, "kind": 1, "size": 2, "domain": 3}.get(item[0].split(":")[0], 4), item[0])


async def ledger_of(
    session: AsyncSession, cycle: Cycle, world: Universe
) -> tuple[Ledger, dict[tuple[str, str], tuple[Figures, int]]]:
    """Everything released in the cycle so far, and the latest release of each (KPI, standard group)."""
    ledger = Ledger(Policy(k=cycle.k))
    latest: dict[tuple[str, str], tuple[int, Figures, int]] = {}
    for version, kpi_id, group, count, stats, withheld, members in await session.execute(
        _RELEASED, {"cycle": cycle.id}
    ):
        bits = world.bits(members)
        ledger.record(kpi_id, bits, with_sum="mean" in stats)
        if (group and (kpi_id, group) not in latest) or (group and latest[(kpi_id, group)][0] < version):
            latest[(kpi_id, group)] = (version, Figures(count, stats, withheld), bits)
    return ledger, {key: (figures, bits) for key, (_, figures, bits) in latest.items()}


def _bits(mask: np.ndarray) -> int:
    return int.from_bytes(np.packbits(mask, bitorder="little").tobytes(), "little")


async def publish_results(session: AsyncSession, cycle_id: UUID) -> tuple[Cycle, int, int]:
    """Publish (a new version of) the cycle's results; returns the cycle, figures released and withheld."""
    cycle = await get_cycle(session, cycle_id, for_update=True)
    published = cycle.publish(now())
    kpis = await catalogue.catalogue(session, cycle.catalogue_version)
    world = await universe(session, cycle_id)
    ledger, previous = await ledger_of(session, cycle, world)
    changed: dict[str, int] = {}
    if cycle.published_at is not None:
        for kpi_id, org in await session.execute(_CHANGED, {"cycle": cycle_id, "since": cycle.published_at}):
            changed[kpi_id] = changed.get(kpi_id, 0) | (1 << world.add(org))
    n = world.final
    rows: list[dict[str, Any]] = []
    sets: dict[int, str] = {}
    network: list[contracts.PublishedAggregate] = []
    released = withheld = 0
    for kpi_id, positions, values in await session.execute(_VALUES, {"cycle": cycle_id}):
        kpi = kpis.get(kpi_id)
        if kpi is None:
            continue
        column = np.full(n, np.nan)
        column[np.asarray(positions, dtype=np.int64)] = np.asarray(values, dtype=float)
        answered = ~np.isnan(column)
        # Sorted once per KPI: each group's values are then a masked slice, sorted already.
        order = np.argsort(column, kind="stable")
        in_order = column[order]
        for group, mask in world.groups.items():
            selected = mask & answered
            ordered = in_order[selected[order]]
            members = _bits(selected)
            before = previous.get((kpi_id, group))
            if before is None:
                figures = decide(ledger, kpi_id, members, ordered, additive=kpi.additive)
            else:
                moved = (changed.get(kpi_id, 0) & members).bit_count()
                figures = decide_again(
                    ledger,
                    kpi_id,
                    members,
                    ordered,
                    additive=kpi.additive,
                    previous=before[0],
                    previous_members=before[1],
                    changed=moved,
                )
            if figures.released:
                released += 1 + len(figures.stats)
                if members not in sets:
                    sets[members] = digest([world.orgs[i] for i in np.flatnonzero(selected)])
            withheld += len(figures.withheld)
            rows.append(
                {
                    "cycle_id": cycle_id,
                    "version": published.version,
                    "kpi_id": kpi_id,
                    "peer_group": group,
                    "count": figures.count,
                    "stats": {k: float(v) for k, v in figures.stats.items()},
                    "withheld": figures.withheld,
                    "member_set": sets.get(members, ""),
                }
            )
            if group == "all":
                network.append(
                    contracts.PublishedAggregate(
                        kpi_id=kpi_id,
                        count=figures.count or 0,
                        median=figures.stats.get("median"),
                        p25=figures.stats.get("p25"),
                        p75=figures.stats.get("p75"),
                    )
                )
    await _store_sets(session, world, sets)
    await _store_results(session, rows)
    event = contracts.BenchmarkResultsPublished(
        cycle_id=cycle_id,
        version=published.version,
        released=released,
        suppressed=withheld,
        network=network,
        published_at=published.published_at or now(),
    )
    await CYCLES.update(session, published, "status", "published_at", "version", events=[event])
    return published, released, withheld


async def _store_sets(session: AsyncSession, world: Universe, sets: dict[int, str]) -> None:
    rows = []
    for bits, key in sets.items():
        members = [world.orgs[i] for i in range(bits.bit_length()) if bits >> i & 1]
        rows.append({"digest": key, "members": members})
    if rows:
        await session.execute(insert(member_sets).on_conflict_do_nothing(), rows)


_INSERT_RESULTS = text(
    "INSERT INTO results (cycle_id, version, kpi_id, peer_group, count, stats, withheld, member_set) "
    "SELECT CAST(:cycle AS uuid), :version, r.kpi_id, r.peer_group, r.count, r.stats, r.withheld, r.member_set "
    "FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(kpi_id varchar, peer_group varchar, count int, stats jsonb, "
    "withheld jsonb, member_set varchar)"
)


async def _store_results(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """One statement and one JSON document for every row: far cheaper than a row at a time."""
    if not rows:
        return
    first = rows[0]
    document = json.dumps([{k: v for k, v in r.items() if k not in ("cycle_id", "version")} for r in rows])
    await session.execute(_INSERT_RESULTS, {"cycle": first["cycle_id"], "version": first["version"], "rows": document})
