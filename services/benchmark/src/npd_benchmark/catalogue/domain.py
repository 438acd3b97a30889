"""KPIs and the rules a submitted value must meet. Pure: no I/O."""

import math
from dataclasses import dataclass
from enum import StrEnum


class KpiType(StrEnum):
    RATIO = "ratio"
    AMOUNT = "amount"
    COUNT = "count"
    SCORE = "score"
    LEVEL = "level"


class Direction(StrEnum):
    HIGHER_IS_BETTER = "higher_is_better"
    LOWER_IS_BETTER = "lower_is_better"


class KpiGroup(StrEnum):
    HR = "hr"
    FINANCE = "finance"
    ICT = "ict"
    SERVICE_DELIVERY = "service_delivery"
    COMPLIANCE = "compliance"


@dataclass(frozen=True)
class Kpi:
    """One KPI of one catalogue version. A derived KPI is `numerator / denominator * factor` of two others."""

    catalogue_version: str
    kpi_id: str
    name: str
    definition: str
    unit: str
    type: KpiType
    direction: Direction
    minimum: float
    maximum: float
    required: bool
    group: KpiGroup
    numerator: str | None = None
    denominator: str | None = None
    factor: float | None = None
    comparable: bool = True  # False: its definition changed, so trends against earlier versions break here

    @property
    def formula(self) -> str | None:
        if self.numerator is None or self.denominator is None:
            return None
        scale = "" if self.factor in (None, 1) else f" * {self.factor:g}"
        return f"{self.numerator} / {self.denominator}{scale}"

    @property
    def additive(self) -> bool:
        """Amounts and counts add up across organisations, so one large contributor can dominate a total."""
        return self.type in (KpiType.AMOUNT, KpiType.COUNT)


@dataclass(frozen=True)
class ValueProblem:
    """One thing wrong with one submitted value: where it was (row and column of an upload), and why."""

    kpi_id: str | None
    reason: str
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = ", ".join(p for p in (f"row {self.row}" if self.row else "", self.column or "") if p)
        what = f"{self.kpi_id}: " if self.kpi_id else ""
        return f"{where + ': ' if where else ''}{what}{self.reason}"


# Derived values may differ from their inputs' quotient by rounding: 1 % of the value, at least 0.01.
_DERIVED_TOLERANCE = 0.01


def check_value(kpi: Kpi, value: float, unit: str | None) -> str | None:
    """Why `value` (given in `unit`, if stated) is not acceptable for `kpi`, or None."""
    if unit is not None and unit.strip() and unit.strip() != kpi.unit:
        return f"unit {unit.strip()!r} is not the KPI's unit {kpi.unit!r}"
    if not math.isfinite(value):
        return "value is not a finite number"
    if not kpi.minimum <= value <= kpi.maximum:
        return f"value {value:g} is outside the valid range {kpi.minimum:g} to {kpi.maximum:g} {kpi.unit}"
    if kpi.type in (KpiType.COUNT, KpiType.LEVEL) and value != int(value):
        return f"value {value:g} must be a whole number for a {kpi.type.value}"
    return None


def derived_value(kpi: Kpi, values: dict[str, float]) -> float | None:
    """The value a derived KPI takes from its inputs among `values`, if both are there and it is defined."""
    if kpi.numerator is None or kpi.denominator is None:
        return None
    top, bottom = values.get(kpi.numerator), values.get(kpi.denominator)
    if top is None or bottom is None or bottom == 0:
        return None
    return top / bottom * (kpi.factor or 1.0)


def check_consistency(kpi: Kpi, values: dict[str, float]) -> str | None:
    """Why a derived KPI's submitted value contradicts its inputs, or None."""
    expected, given = derived_value(kpi, values), values.get(kpi.kpi_id)
    if expected is None or given is None:
        return None
    if abs(given - expected) > max(_DERIVED_TOLERANCE * abs(expected), 0.01):
        return f"value {given:g} is inconsistent with {kpi.formula} = {expected:.4g}"
    return None


def complete(catalogue: dict[str, Kpi], values: dict[str, float]) -> dict[str, float]:
    """`values` with every derived KPI filled in from its inputs where the organisation left it out."""
    filled = dict(values)
    for kpi in catalogue.values():
        if kpi.kpi_id not in filled:
            derived = derived_value(kpi, filled)
            if derived is not None and kpi.minimum <= derived <= kpi.maximum:
                filled[kpi.kpi_id] = round(derived, 6)
    return filled


def check_submission(catalogue: dict[str, Kpi], values: dict[str, float]) -> list[ValueProblem]:
    """Everything that stops a set of values from being submitted: missing required KPIs, inconsistent ones."""
    filled = complete(catalogue, values)
    problems = [
        ValueProblem(kpi.kpi_id, "required KPI has no value")
        for kpi in catalogue.values()
        if kpi.required and kpi.kpi_id not in filled
    ]
    for kpi in catalogue.values():
        reason = check_consistency(kpi, filled)
        if reason is not None:
            problems.append(ValueProblem(kpi.kpi_id, reason))
    return problems
