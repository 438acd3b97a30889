"""Charts a person would rather look at than read: a KPI's published distribution with the organisation
marked, and its trend over the years beside the network's median. Drawn once as shapes, rendered as SVG
(text) or PNG (Pillow). Pure: no I/O."""

import io
import itertools
from dataclasses import dataclass, field
from html import escape
from typing import Any

from PIL import Image, ImageDraw

WIDTH, HEIGHT = 640, 200
BAND, MEDIAN, OWN, AXIS, TEXT, NETWORK = "#9ecae1", "#08519c", "#e6550d", "#636363", "#252525", "#74c476"


@dataclass
class Drawing:
    """Shapes in pixel coordinates: rect (x, y, w, h, fill), line (x1, y1, x2, y2, colour, width, dashed),
    text (x, y, string, colour), polygon (points, fill)."""

    width: int = WIDTH
    height: int = HEIGHT
    shapes: list[tuple[Any, ...]] = field(default_factory=list)

    def svg(self, title: str) -> str:
        parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{self.width}" height="{self.height}" '
            f'viewBox="0 0 {self.width} {self.height}" role="img"><title>{escape(title)}</title>',
            f'<rect x="0" y="0" width="{self.width}" height="{self.height}" fill="white"/>',
        ]
        for kind, *a in self.shapes:
            if kind == "rect":
                parts.append(
                    f'<rect x="{a[0]:.1f}" y="{a[1]:.1f}" width="{a[2]:.1f}" height="{a[3]:.1f}" fill="{a[4]}"/>'
                )
            elif kind == "line":
                dash = ' stroke-dasharray="6 4"' if a[6] else ""
                parts.append(
                    f'<line x1="{a[0]:.1f}" y1="{a[1]:.1f}" x2="{a[2]:.1f}" y2="{a[3]:.1f}" '
                    f'stroke="{a[4]}" stroke-width="{a[5]}"{dash}/>'
                )
            elif kind == "text":
                parts.append(
                    f'<text x="{a[0]:.1f}" y="{a[1]:.1f}" font-family="sans-serif" font-size="12" '
                    f'fill="{a[3]}">{escape(str(a[2]))}</text>'
                )
            elif kind == "polygon":
                points = " ".join(f"{x:.1f},{y:.1f}" for x, y in a[0])
                parts.append(f'<polygon points="{points}" fill="{a[1]}"/>')
        parts.append("</svg>")
        return "".join(parts)

    def png(self) -> bytes:
        image = Image.new("RGB", (self.width, self.height), "white")
        pen = ImageDraw.Draw(image)
        for kind, *a in self.shapes:
            if kind == "rect":
                pen.rectangle([a[0], a[1], a[0] + a[2], a[1] + a[3]], fill=a[4])
            elif kind == "line":
                pen.line([a[0], a[1], a[2], a[3]], fill=a[4], width=int(a[5]))
            elif kind == "text":
                pen.text((a[0], a[1] - 11), str(a[2]), fill=a[3])
            elif kind == "polygon":
                pen.polygon(a[0], fill=a[1])
        out = io.BytesIO()
        image.save(out, format="PNG")
        return out.getvalue()


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.3g}"


def distribution(stats: dict[str, float], own: float | None, unit: str) -> Drawing:
    """The published quantiles as a band (p25-p75), a median line and decile ticks, the organisation's value
    as a marker. The axis spans the published quantiles and the organisation's own value: no min or max."""
    d = Drawing()
    known = [v for k, v in stats.items() if k != "mean"] + ([own] if own is not None else [])
    low, high = min(known), max(known)
    pad = (high - low) * 0.1 or abs(high) * 0.1 or 1.0
    low, high = low - pad, high + pad
    left, right, top, bottom = 40, WIDTH - 40, 60, 130

    def x(v: float) -> float:
        return left + (v - low) / (high - low) * (right - left)

    d.shapes.append(("line", left, bottom + 10, right, bottom + 10, AXIS, 1, False))
    if "p25" in stats and "p75" in stats:
        d.shapes.append(("rect", x(stats["p25"]), top, x(stats["p75"]) - x(stats["p25"]), bottom - top, BAND))
    for name in ("p10", "p20", "p30", "p40", "p60", "p70", "p80", "p90"):
        if name in stats:
            d.shapes.append(("line", x(stats[name]), top + 20, x(stats[name]), bottom - 20, AXIS, 1, False))
    if "median" in stats:
        d.shapes.append(("line", x(stats["median"]), top - 5, x(stats["median"]), bottom + 5, MEDIAN, 3, False))
        d.shapes.append(("text", x(stats["median"]) + 4, top - 10, f"median {_fmt(stats['median'])}", MEDIAN))
    if own is not None:
        ox = x(own)
        d.shapes.append(("polygon", [(ox - 8, bottom + 28), (ox + 8, bottom + 28), (ox, bottom + 12)], OWN))
        d.shapes.append(("text", ox - 20, bottom + 45, f"you {_fmt(own)}", OWN))
    d.shapes.append(("text", left, bottom + 65, f"{_fmt(low)} {unit}", AXIS))
    d.shapes.append(("text", right - 80, bottom + 65, f"{_fmt(high)} {unit}", AXIS))
    return d


def trend(points: list[tuple[int, float, float | None]], unit: str) -> Drawing:
    """The organisation's value per year (solid) and the network's median (dashed)."""
    d = Drawing()
    values = [v for _, v, _ in points] + [m for _, _, m in points if m is not None]
    if not points:
        d.shapes.append(("text", 40, HEIGHT / 2, "no earlier years", AXIS))
        return d
    low, high = min(values), max(values)
    pad = (high - low) * 0.1 or abs(high) * 0.1 or 1.0
    low, high = low - pad, high + pad
    years = [y for y, _, _ in points]
    left, right, top, bottom = 60, WIDTH - 30, 20, HEIGHT - 40
    span = max(years) - min(years) or 1

    def xy(year: int, v: float) -> tuple[float, float]:
        return left + (year - min(years)) / span * (right - left), bottom - (v - low) / (high - low) * (bottom - top)

    d.shapes.append(("line", left, bottom, right, bottom, AXIS, 1, False))
    for series, colour, dashed in (
        ([(y, v) for y, v, _ in points], OWN, False),
        ([(y, m) for y, _, m in points if m is not None], NETWORK, True),
    ):
        for (y1, v1), (y2, v2) in itertools.pairwise(series):
            d.shapes.append(("line", *xy(y1, v1), *xy(y2, v2), colour, 3, dashed))
        for y, v in series:
            px, py = xy(y, v)
            d.shapes.append(("rect", px - 3, py - 3, 6, 6, colour))
    for y in years:
        d.shapes.append(("text", xy(y, low)[0] - 14, bottom + 18, str(y), AXIS))
    d.shapes.append(("text", 4, top + 10, f"{_fmt(high)} {unit}", AXIS))
    d.shapes.append(("text", 4, bottom, f"{_fmt(low)}", AXIS))
    return d
