"""Disclosure control, as a pure module. Property-based tests play an attacker who sees everything that is
published or can be asked for (standard peer groups, groups they compose, later versions after corrections)
and tries to derive one organisation's value; they fail if any attempt succeeds."""

from dataclasses import dataclass
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from npd_benchmark.results.disclosure import Figures, Ledger, Policy, decide, decide_again, disclosive, members_of

K = 5


def release(ledger: Ledger, members: list[int], values: dict[int, float], *, additive: bool = True) -> Figures:
    return decide(ledger, "x", members_of(members), sorted(values[i] for i in members), additive=additive)


def test_a_group_below_k_releases_nothing_not_even_its_count() -> None:
    figures = release(Ledger(Policy(k=K)), [0, 1, 2, 3], {i: float(i) for i in range(4)})
    assert figures.count is None and figures.stats == {} and "fewer than k = 5" in figures.withheld["group"]


def test_a_group_of_exactly_k_releases_its_median_but_no_quartiles() -> None:
    figures = release(Ledger(Policy(k=K)), [0, 1, 2, 3, 4], {i: float(10 * i) for i in range(5)})
    assert figures.count == 5 and figures.stats["median"] == 20 and "p25" not in figures.stats
    assert "quartiles" in figures.withheld and "deciles" in figures.withheld


def test_k_below_three_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 3"):
        Policy(k=2)


def test_an_amount_dominated_by_one_organisation_gets_no_mean() -> None:
    values = {0: 1_000_000.0, 1: 10.0, 2: 12.0, 3: 15.0, 4: 9.0, 5: 11.0}
    figures = release(Ledger(Policy(k=K)), list(values), values)
    assert "mean" not in figures.stats and "dominance" in figures.withheld["mean"]
    assert figures.stats["median"] == pytest.approx(11.5)


def test_an_amount_dominated_by_two_organisations_gets_no_mean() -> None:
    values = {0: 400.0, 1: 420.0, 2: 30.0, 3: 30.0, 4: 30.0, 5: 30.0, 6: 30.0}
    assert "mean" not in release(Ledger(Policy(k=K)), list(values), values).stats


def test_a_group_one_organisation_away_from_a_released_one_is_withheld() -> None:
    ledger = Ledger(Policy(k=K))
    values = {i: float(i * 3 + 1) for i in range(12)}
    assert release(ledger, list(range(12)), values).released
    second = release(ledger, list(range(11)), values)  # "everyone but organisation 11": the complement attack
    assert not second.released and "differs from a released group by 1" in second.withheld["group"]


def test_the_same_group_asked_again_is_the_same_release() -> None:
    ledger = Ledger(Policy(k=K))
    values = {i: float(i) for i in range(10)}
    assert release(ledger, list(range(10)), values) == release(ledger, list(range(10)), values)


def test_means_that_together_isolate_an_organisation_are_refused() -> None:
    # {0..5} and {1..5} differ by one: refused by differencing; but {0..9}, {0..4}+{10..14}, ... can isolate
    # through a linear combination of several groups, which the sum audit catches.
    groups = [members_of(range(0, 10)), members_of(range(5, 15)), members_of([*range(0, 5), *range(10, 15)])]
    assert not disclosive(groups, K)  # sums over three blocks of five: no single organisation
    assert disclosive([*groups, members_of([*range(0, 4), *range(5, 10)])], K)


def test_corrections_by_fewer_than_k_organisations_do_not_change_a_release() -> None:
    ledger = Ledger(Policy(k=K))
    values = {i: float(i) for i in range(10)}
    first = release(ledger, list(range(10)), values)
    values[3] = 300.0
    again = decide_again(
        ledger,
        "x",
        members_of(range(10)),
        sorted(values.values()),
        additive=True,
        previous=first,
        previous_members=members_of(range(10)),
        changed=1,
    )
    assert again == first


# -- the attacker -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Released:
    version: int
    members: frozenset[int]
    figures: Figures


@dataclass
class World:
    values: dict[int, float]
    kinds: dict[int, int]
    sizes: dict[int, int]
    domains: dict[int, frozenset[int]]

    def groups(self) -> list[list[int]]:
        orgs = sorted(self.values)
        out = [orgs]
        for attribute in (self.kinds, self.sizes):
            for value in sorted(set(attribute.values())):
                out.append([o for o in orgs if attribute[o] == value])
        for d in range(3):
            out.append([o for o in orgs if d in self.domains[o]])
        return out


@st.composite
def worlds(draw: st.DrawFn) -> tuple[World, list[list[int]], dict[int, float]]:
    n = draw(st.integers(min_value=K, max_value=30))
    values = draw(st.lists(st.integers(1, 10_000), min_size=n, max_size=n, unique=True))
    world = World(
        values={i: float(v) for i, v in enumerate(values)},
        kinds={i: draw(st.integers(0, 2)) for i in range(n)},
        sizes={i: draw(st.integers(0, 2)) for i in range(n)},
        domains={i: frozenset(draw(st.sets(st.integers(0, 2)))) for i in range(n)},
    )
    composed = draw(st.lists(st.lists(st.integers(0, n - 1), min_size=1, unique=True), max_size=6))
    # Distinct values throughout, so that a quantile equal to an extreme is one organisation's value.
    corrected = draw(
        st.dictionaries(st.integers(0, n - 1), st.integers(10_001, 20_000), max_size=n).filter(
            lambda d: len(set(d.values())) == len(d)
        )
    )
    return world, composed, {i: float(v) for i, v in corrected.items()}


def publish_everything(world: World, composed: list[list[int]], corrections: dict[int, float]) -> list[Released]:
    """What the service does, in its order: standard groups, then composed groups, then a second version."""
    ledger = Ledger(Policy(k=K))
    out: list[Released] = []
    latest: dict[int, tuple[Figures, int]] = {}
    for n, group in enumerate(world.groups()):
        figures = release(ledger, group, world.values)
        latest[n] = (figures, members_of(group))
        out.append(Released(1, frozenset(group), figures))
    for group in composed:
        figures = decide(
            ledger, "x", members_of(group), sorted(world.values[i] for i in group), additive=False, with_mean=False
        )
        out.append(Released(1, frozenset(group), figures))
    corrected = world.values | corrections
    for n, group in enumerate(world.groups()):
        before, members = latest[n]
        changed = sum(1 for i in group if i in corrections)
        figures = decide_again(
            ledger,
            "x",
            members_of(group),
            sorted(corrected[i] for i in group),
            additive=True,
            previous=before,
            previous_members=members,
            changed=changed,
        )
        if figures is not before:
            out.append(Released(2, frozenset(group), figures))
    return [r for r in out if r.figures.released]


def derivable_by_sums(released: list[Released], corrections: dict[int, float], n: int) -> list[tuple[int, int]]:
    """(organisation, version of its value) whose value follows from the released means, by exact linear
    algebra: unknowns are each organisation's value before and (if corrected) after the correction."""
    variables = {(i, 1): c for c, i in enumerate(range(n))}
    for i in sorted(corrections):
        variables[(i, 2)] = len(variables)
    rows = []
    for r in released:
        if "mean" not in r.figures.stats:
            continue
        row = [Fraction(0)] * len(variables)
        for i in r.members:
            row[variables[(i, 2) if r.version == 2 and i in corrections else (i, 1)]] = Fraction(1)
        rows.append(row)
    basis = _rref(rows)
    return [v for v, c in variables.items() if _in_span(basis, c, len(variables))]


def _rref(rows: list[list[Fraction]]) -> list[list[Fraction]]:
    rows = [r[:] for r in rows]
    out: list[list[Fraction]] = []
    width = len(rows[0]) if rows else 0
    for col in range(width):
        pivot = next((r for r in rows if r[col] != 0), None)
        if pivot is None:
            continue
        rows.remove(pivot)
        pivot = [x / pivot[col] for x in pivot]
        rows = [[a - r[col] * b for a, b in zip(r, pivot, strict=True)] for r in rows]
        out = [[a - r[col] * b for a, b in zip(r, pivot, strict=True)] for r in out]
        out.append(pivot)
    return out


def _in_span(basis: list[list[Fraction]], column: int, width: int) -> bool:
    # A unit vector lies in the row space iff a row of the reduced echelon form is that unit vector.
    return any(r[column] == 1 and sum(1 for x in r if x != 0) == 1 for r in basis)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_no_attacker_derives_a_value_from_everything_released(
    case: tuple[World, list[list[int]], dict[int, float]],
) -> None:
    world, composed, corrections = case
    released = publish_everything(world, composed, corrections)
    versions = {1: world.values, 2: world.values | corrections}
    # Threshold: no figure over fewer than k organisations.
    assert all(r.figures.count is not None and r.figures.count >= K for r in released)
    # Differencing, complements included: no two releases set fewer than k organisations apart.
    for a in released:
        for b in released:
            apart = len(a.members ^ b.members)
            assert apart == 0 or apart >= K, (sorted(a.members), sorted(b.members))
    # No minimum or maximum, and no quantile that is one of them.
    for r in released:
        values = [versions[r.version][i] for i in r.members]
        for name, figure in r.figures.stats.items():
            assert name not in ("min", "max")
            if name != "mean":
                assert min(values) < figure < max(values) or len(set(values)) == 1, (name, figure, sorted(values))
    # Linear algebra over every released mean, across versions.
    assert derivable_by_sums(released, corrections, len(world.values)) == []


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.integers(0, 14), min_size=K, max_size=15, unique=True), min_size=1, max_size=8))
def test_the_sum_audit_never_admits_a_family_that_isolates_an_organisation(groups: list[list[int]]) -> None:
    ledger = Ledger(Policy(k=K))
    admitted: list[list[int]] = []
    for g in groups:
        if ledger.sum_admitted("x", members_of(g)):
            ledger.record("x", members_of(g), with_sum=True)
            admitted.append(g)
    rows = [[Fraction(int(i in g)) for i in range(15)] for g in admitted]
    basis = _rref(rows)
    assert not [i for i in range(15) if _in_span(basis, i, 15)]
