"""One organisation's report rendered as HTML (charts inline as SVG), PDF (charts as PNG) and CSV (exactly
what it may see: its own values and the published figures). Pure: no I/O."""

import csv
import io
from html import escape

from fpdf import FPDF

from npd_benchmark.reports import charts
from npd_benchmark.results.position import Position
from npd_benchmark.results.statistics import ORDER


def _stats_line(p: Position) -> str:
    if p.figures is None or not p.figures.released:
        reason = next(iter(p.figures.withheld.values()), "no figures") if p.figures else "no figures"
        return f"withheld: {reason}"
    shown = [f"{k} {p.figures.stats[k]:.4g}" for k in (*ORDER, "mean") if k in p.figures.stats]
    return f"n = {p.figures.count}; " + ", ".join(shown)


def _rank_line(p: Position) -> str:
    if p.percentile_rank is None:
        return ""
    better = {True: "better than the median", False: "worse than the median", None: "at the median"}[
        p.better_than_median
    ]
    return f"percentile rank {p.rank_bound} {p.percentile_rank:g}; {better}"


def distribution_of(p: Position) -> charts.Drawing | None:
    if p.figures is None or not p.figures.released:
        return None
    return charts.distribution(p.figures.stats, p.value, p.kpi.unit)


def trend_of(p: Position) -> charts.Drawing:
    return charts.trend([(t.year, t.value, t.median) for t in p.trend], p.kpi.unit)


def html(organisation: str, year: int, group: str, rows: list[Position]) -> str:
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Benchmark {year}: {escape(organisation)}</title>",
        "<style>body{font-family:sans-serif;max-width:60rem;margin:auto}"
        "section{border-top:1px solid #ccc;padding:1rem 0}</style></head><body>",
        f"<h1>Benchmark {year}: {escape(organisation)}</h1>",
        f"<p>Compared with peer group <b>{escape(group)}</b>.</p>",
    ]
    for p in rows:
        own = "no value" if p.value is None else f"{p.value:.4g} {escape(p.kpi.unit)}"
        parts.append(f"<section><h2>{escape(p.kpi.name)}</h2><p>Your value: {own}. {escape(_rank_line(p))}</p>")
        parts.append(f"<p>{escape(_stats_line(p))}</p>")
        if p.explanation:
            parts.append(f"<p><i>Your explanation: {escape(p.explanation)}</i></p>")
        chart = distribution_of(p)
        if chart is not None:
            parts.append(chart.svg(f"{p.kpi.name}: distribution"))
        if len(p.trend) > 1:
            parts.append(trend_of(p).svg(f"{p.kpi.name}: trend"))
        parts.append("</section>")
    parts.append("</body></html>")
    return "".join(parts)


def _latin1(text: str) -> str:
    # The PDF's core fonts speak Latin-1 only.
    return text.encode("latin-1", "replace").decode("latin-1")


def pdf(organisation: str, year: int, group: str, rows: list[Position]) -> bytes:
    doc = FPDF()
    doc.set_auto_page_break(auto=True, margin=15)
    doc.add_page()
    doc.set_font("Helvetica", "B", 16)
    doc.cell(0, 10, _latin1(f"Benchmark {year}: {organisation}"), new_x="LMARGIN", new_y="NEXT")
    doc.set_font("Helvetica", size=10)
    doc.cell(0, 6, _latin1(f"Compared with peer group {group}."), new_x="LMARGIN", new_y="NEXT")
    for p in rows:
        doc.set_font("Helvetica", "B", 12)
        doc.cell(0, 8, _latin1(p.kpi.name), new_x="LMARGIN", new_y="NEXT")
        doc.set_font("Helvetica", size=9)
        own = "no value" if p.value is None else f"{p.value:.4g} {p.kpi.unit}"
        doc.multi_cell(
            0, 5, _latin1(f"Your value: {own}. {_rank_line(p)}\n{_stats_line(p)}"), new_x="LMARGIN", new_y="NEXT"
        )
        chart = distribution_of(p)
        if chart is not None:
            doc.image(io.BytesIO(chart.png()), w=150)
        if len(p.trend) > 1:
            doc.image(io.BytesIO(trend_of(p).png()), w=150)
    return bytes(doc.output())


def export_csv(rows: list[Position]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    names = [*ORDER, "mean"]
    writer.writerow(
        [
            "kpi_id",
            "name",
            "unit",
            "own_value",
            "own_explanation",
            "count",
            *names,
            "percentile_rank",
            "rank_bound",
            "withheld",
        ]
    )
    for p in rows:
        stats = p.figures.stats if p.figures else {}
        withheld = "; ".join(f"{k}: {v}" for k, v in (p.figures.withheld if p.figures else {}).items())
        writer.writerow(
            [
                p.kpi.kpi_id,
                p.kpi.name,
                p.kpi.unit,
                "" if p.value is None else p.value,
                p.explanation or "",
                "" if not p.figures or p.figures.count is None else p.figures.count,
                *[stats.get(n, "") for n in names],
                "" if p.percentile_rank is None else p.percentile_rank,
                p.rank_bound or "",
                withheld,
            ]
        )
    return out.getvalue()
