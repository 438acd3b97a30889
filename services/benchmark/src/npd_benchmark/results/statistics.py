"""The statistics a peer group's figures are summarised by, and an organisation's position among them.
Pure: no I/O. Never a minimum or a maximum: those are one organisation's value."""

import itertools
from collections.abc import Sequence

DECILES = {f"p{q}": q / 100 for q in (10, 20, 30, 40, 60, 70, 80, 90)}
QUARTILES = {"p25": 0.25, "p75": 0.75}
MEDIAN = {"median": 0.5}
ORDER = ("p10", "p20", "p25", "p30", "p40", "median", "p60", "p70", "p75", "p80", "p90")
LEVEL = {**DECILES, **QUARTILES, **MEDIAN}


def quantile(ordered: Sequence[float], q: float) -> float:
    """The q-quantile of sorted values, interpolated linearly between order statistics (Excel's
    PERCENTILE.INC, numpy's default)."""
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def position(value: float, published: dict[str, float]) -> tuple[float, str]:
    """An organisation's percentile rank, read from the published quantiles of its group rather than from
    the others' values (so asking for it reveals nothing more than the quantiles do): ('about', 'at most'
    or 'at least') and the rank, 0-100."""
    points = sorted((LEVEL[name] * 100, figure) for name, figure in published.items() if name in LEVEL)
    if not points:
        raise ValueError("no quantile published")
    if value < points[0][1]:
        return points[0][0], "at most"
    if value > points[-1][1]:
        return points[-1][0], "at least"
    for (q1, v1), (q2, v2) in itertools.pairwise(points):
        if v1 <= value <= v2:
            rank = q1 if v2 == v1 else q1 + (q2 - q1) * (value - v1) / (v2 - v1)
            return round(rank, 1), "about"
    return points[-1][0], "about"  # a single point equal to the value
