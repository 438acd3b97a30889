"""Realistic benchmark values for test organisations (and the demo's shape): one draw per organisation."""

import random
from typing import Any

# kpi -> (mean, spread, low, high)
PROFILE: dict[str, tuple[float, float, float, float]] = {
    "sickness_absence_pct": (5.6, 1.4, 1.5, 12),
    "overhead_fte_ratio": (24, 5, 8, 45),
    "customer_satisfaction": (7.1, 0.5, 5, 9.2),
    "service_norm_compliance_pct": (86, 7, 50, 100),
    "first_contact_resolution_pct": (72, 9, 30, 98),
    "digital_contact_share_pct": (58, 14, 10, 95),
    "staff_turnover_pct": (8, 2.5, 1, 20),
    "employee_engagement": (7.3, 0.5, 5, 9),
    "cx_maturity_level": (3, 1, 1, 5),
}


def draw(rng: random.Random) -> dict[str, float]:
    employees = round(rng.lognormvariate(6.3, 0.8))
    cost_per_fte = rng.gauss(105_000, 12_000)
    values: dict[str, float] = {
        "employees_fte": max(employees, 20),
        "operating_cost": round(max(employees, 20) * cost_per_fte),
        "ict_cost": round(max(employees, 20) * rng.gauss(11_500, 2_000)),
    }
    for kpi, (mean, spread, low, high) in PROFILE.items():
        value = min(max(rng.gauss(mean, spread), low), high)
        values[kpi] = float(round(value)) if kpi == "cx_maturity_level" else round(value, 2)
    return values


def as_json(values: dict[str, float]) -> dict[str, Any]:
    return {"values": [{"kpi_id": k, "value": v} for k, v in values.items()]}


def as_csv(values: dict[str, float], units: dict[str, str]) -> bytes:
    lines = ["kpi_id;value;unit;explanation"]
    lines += [f"{k};{str(v).replace('.', ',')};{units.get(k, '')};" for k, v in values.items()]
    return ("\n".join(lines) + "\n").encode("utf-8")


def as_xlsx(values: dict[str, float]) -> bytes:
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["kpi_id", "value", "explanation"])
    for k, v in values.items():
        sheet.append([k, v, None])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
