"""Structured figures of a benchmark run, beside what it prints: `bench/run_all.py` (`make bench`) sets
NPD_BENCH_RESULTS to a file, and every benchmark appends one JSON line per figure to it, so the driver can
collect, compare with goals and summarise without parsing what was printed. Run alone, a benchmark writes
nothing: the variable is unset."""

import json
import os
from typing import Any

ENV = "NPD_BENCH_RESULTS"


def figure(
    bench: str,
    name: str,
    value: float,
    unit: str,
    *,
    baseline: float | None = None,
    baseline_name: str | None = None,
    ratio: float | None = None,
    goal: str | None = None,
    met: bool | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """One figure: `value` in `unit`, the baseline measured in the same run and the ratio of the two (given,
    or value / baseline), and the goal it answers with whether it was met (None: no goal)."""
    if ratio is None and baseline:
        ratio = value / baseline
    found = {
        "bench": bench,
        "name": name,
        "value": round(value, 4),
        "unit": unit,
        "baseline": None if baseline is None else round(baseline, 4),
        "baseline_name": baseline_name,
        "ratio": None if ratio is None else round(ratio, 4),
        "goal": goal,
        "met": met,
    }
    return found | extra


def record(*figures: dict[str, Any]) -> None:
    """Append the figures to the results file the driver named, if it named one."""
    path = os.environ.get(ENV)
    if not path:
        return
    with open(path, "a", encoding="utf-8") as out:
        for found in figures:
            out.write(json.dumps(found) + "\n")
