"""Disclosure control: what of a peer group's figures may be released, given everything released before.
Pure: numpy and the standard library, no I/O.

The rules, each a reason a figure is withheld:
- threshold: nothing about a group of fewer than k organisations (not even its count);
- no minimum or maximum, ever; quartiles only from `quartiles_from`, deciles only from `deciles_from`
  organisations, so no published quantile sits on the smallest or largest value;
- dominance ((n, k) rule): for amounts and counts, no mean or total when the largest contributor holds more
  than `top1_share`, or the two largest more than `top2_share`, of the group's total;
- differencing: no release over a group whose members differ from an already released group's (same KPI,
  any version) by fewer than k organisations, so no two releases isolate fewer than k of them (complements
  included: the network as a whole is a released group);
- sums: a mean (a total in disguise) is released only if, together with every mean released before for that
  KPI, no linear combination yields the sum of fewer than k organisations (the leverage of each such set in
  the span of released groups stays below 1);
- versions: after corrections, a group's figures are released anew only when at least k of its members'
  values changed; otherwise the earlier release stands.
Member sets are bitsets (Python ints) over the cycle's organisations in a fixed order.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from npd_benchmark.results.statistics import DECILES, MEDIAN, QUARTILES


@dataclass(frozen=True)
class Policy:
    k: int = 5
    top1_share: float = 0.5
    top2_share: float = 0.75
    quartiles_from: int = 8
    deciles_from: int = 20

    def __post_init__(self) -> None:
        if self.k < 3:
            raise ValueError("k must be at least 3: with two, each learns the other's value from a mean")


@dataclass(frozen=True)
class Figures:
    """What is released about one group for one KPI: its count and statistics, and why anything is not."""

    count: int | None
    stats: dict[str, float] = field(default_factory=dict)
    withheld: dict[str, str] = field(default_factory=dict)  # statistic (or "group") -> reason

    @property
    def released(self) -> bool:
        return self.count is not None


def members_of(indices: Sequence[int]) -> int:
    bits = 0
    for i in indices:
        bits |= 1 << i
    return bits


class SumAuditor:
    """The groups over which one KPI's sums (means) were released, and whether one more would let anyone
    compute the sum over fewer than k organisations by combining them."""

    def __init__(self, k: int) -> None:
        self.k = k
        self.groups: list[int] = []

    def admits(self, members: int) -> bool:
        return not disclosive([*self.groups, members], self.k)

    def add(self, members: int) -> None:
        self.groups.append(members)


def disclosive(groups: Sequence[int], k: int) -> bool:
    """Whether the sums over `groups` (bitsets) together determine the sum over some set of fewer than k
    organisations that the groups cannot tell apart (an organisation alone, in particular).

    Organisations in exactly the same groups form an atom; an atom's sum is determined iff its normalised
    indicator u lies in the row space of the groups' indicator matrix M, i.e. its projection there has
    length 1: u'M'(MM')^+Mu = 1. With p the atom's 0/1 pattern over the groups and s its size, Mu = p*sqrt(s),
    so only the small Gram matrix MM' (overlaps of the groups) is needed, never M itself."""
    if not groups:
        return False
    width = max(g.bit_length() for g in groups)
    rows = np.array(
        [
            np.unpackbits(np.frombuffer(g.to_bytes((width + 7) // 8, "little"), dtype=np.uint8), bitorder="little")
            for g in groups
        ],
        dtype=np.uint8,
    )
    involved = rows.any(axis=0)
    patterns, sizes = np.unique(rows[:, involved].T, axis=0, return_counts=True)
    small = sizes < k
    if not small.any():
        return False
    matrix = rows.astype(float)
    gram_inverse = np.linalg.pinv(matrix @ matrix.T, rcond=1e-10, hermitian=True)
    p = patterns[small].astype(float)
    lengths = np.einsum("ai,ij,aj->a", p, gram_inverse, p) * sizes[small]
    return bool((lengths > 1 - 1e-9).any())


class Ledger:
    """Every group released per KPI in a cycle (all versions), and the sums among them."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.released: dict[str, set[int]] = defaultdict(set)
        self.sums: dict[str, SumAuditor] = {}
        self._sum_cache: dict[tuple[int, ...], bool] = {}

    def record(self, kpi_id: str, members: int, *, with_sum: bool) -> None:
        self.released[kpi_id].add(members)
        if with_sum:
            self._auditor(kpi_id).add(members)

    def _auditor(self, kpi_id: str) -> SumAuditor:
        if kpi_id not in self.sums:
            self.sums[kpi_id] = SumAuditor(self.policy.k)
        return self.sums[kpi_id]

    def differencing(self, kpi_id: str, members: int) -> str | None:
        k = self.policy.k
        for other in self.released.get(kpi_id, ()):
            apart = (members ^ other).bit_count()
            if 0 < apart < k:
                return f"differs from a released group by {apart} organisation(s), fewer than k = {k}"
        return None

    def sum_admitted(self, kpi_id: str, members: int) -> bool:
        auditor = self._auditor(kpi_id)
        if members in auditor.groups:
            return True
        key = (*auditor.groups, members)
        # KPIs answered by the same organisations share their groups: decide each family once.
        if key not in self._sum_cache:
            self._sum_cache[key] = auditor.admits(members)
        return self._sum_cache[key]


def _quantiles(ordered: "np.ndarray[Any, Any]", levels: list[float]) -> list[float]:
    """Quantiles of sorted values, interpolated linearly between order statistics (numpy's default, Excel's
    PERCENTILE.INC); the values are sorted already, so this is arithmetic only."""
    position = (len(ordered) - 1) * np.asarray(levels)
    low = np.floor(position).astype(int)
    high = np.minimum(low + 1, len(ordered) - 1)
    return [float(v) for v in ordered[low] + (ordered[high] - ordered[low]) * (position - low)]


def dominated(values: "Sequence[float] | np.ndarray[Any, Any]", policy: Policy) -> bool:
    sizes = np.sort(np.abs(np.asarray(values, dtype=float)))[::-1]
    total = float(sizes.sum())
    if total == 0:
        return False
    return bool(sizes[0] > policy.top1_share * total or sizes[:2].sum() > policy.top2_share * total)


def decide(
    ledger: Ledger,
    kpi_id: str,
    members: int,
    ordered: "Sequence[float] | np.ndarray[Any, Any]",
    *,
    additive: bool,
    with_mean: bool = True,
) -> Figures:
    """The figures of one group (its members' values, sorted) that may be released now; records the release.

    `with_mean`: whether a mean is asked at all (peer groups composed by users get quantiles only)."""
    policy, n = ledger.policy, len(ordered)
    if n < policy.k:
        return Figures(None, withheld={"group": f"fewer than k = {policy.k} organisations"})
    refused = ledger.differencing(kpi_id, members)
    if refused is not None:
        return Figures(None, withheld={"group": refused})
    values = np.asarray(ordered, dtype=float)
    asked = dict(MEDIAN)
    withheld: dict[str, str] = {}
    if n >= policy.quartiles_from:
        asked |= QUARTILES
    else:
        withheld["quartiles"] = f"fewer than {policy.quartiles_from} organisations"
    if n >= policy.deciles_from:
        asked |= DECILES
    else:
        withheld["deciles"] = f"fewer than {policy.deciles_from} organisations"
    stats = dict(zip(asked, _quantiles(values, list(asked.values())), strict=True))
    mean_released = False
    if not with_mean:
        withheld["mean"] = "not released for composed groups"
    elif additive and dominated(values, policy):
        withheld["mean"] = "dominance: one or two organisations hold most of the total"
    elif not ledger.sum_admitted(kpi_id, members):
        withheld["mean"] = "with means already released it would reveal a small group's total"
    else:
        stats["mean"] = float(values.sum()) / n
        mean_released = True
    ledger.record(kpi_id, members, with_sum=mean_released)
    return Figures(n, stats, withheld)


def decide_again(
    ledger: Ledger,
    kpi_id: str,
    members: int,
    ordered: "Sequence[float] | np.ndarray[Any, Any]",
    *,
    additive: bool,
    previous: Figures,
    previous_members: int,
    changed: int,
) -> Figures:
    """A group's figures in a later version of the results: released anew only when at least k of its
    members' values changed (or its membership changed enough to pass the checks); otherwise the earlier
    release stands, since a new one would tell how fewer than k organisations corrected their values."""
    if members == previous_members and changed < ledger.policy.k:
        return previous
    fresh = decide(ledger, kpi_id, members, ordered, additive=additive)
    return fresh if fresh.released else previous
