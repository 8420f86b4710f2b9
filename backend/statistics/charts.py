"""Bar charts as SVG for the console's statistics page: pure functions from numbers to one
self-contained SVG document (a ``viewBox``, a title and description for screen readers, axis
labels, a legend; no fonts, scripts, styles or images from anywhere). Every text and attribute
value is XML-escaped, so a department or benefit name can never break out of the document.

Each bar is a ``rect`` of class ``bar`` carrying ``data-series``, ``data-category`` and
``data-value``, so the console (and a test) can read what it shows without measuring pixels.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

SVG_NS = "http://www.w3.org/2000/svg"
WIDTH, HEIGHT = 760, 420
FONT = "sans-serif"  # the reader's own font: nothing is fetched
AXIS_COLOUR, GRID_COLOUR, TEXT_COLOUR = "#37474F", "#E0E0E0", "#212121"
MAX_X_LABELS = 12  # more categories than this: every n-th is labelled, so labels never overlap


@dataclass(frozen=True)
class Series:
    """One named set of bars, a value per category."""

    name: str
    colour: str  # "#RRGGBB"
    values: tuple[int, ...]


@dataclass(frozen=True)
class BarChart:
    """What a chart shows; ``stacked``: the series are piled in one bar per category (bottom
    first), otherwise they stand side by side."""

    title: str
    description: str
    x_label: str
    y_label: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    stacked: bool = False
    empty_text: str = "No data"

    def __post_init__(self) -> None:
        for series in self.series:
            if len(series.values) != len(self.categories):
                raise ValueError(f"series {series.name!r} has a value count unlike the categories")
            if any(value < 0 for value in series.values):
                raise ValueError(f"series {series.name!r} has a negative value")


@dataclass(frozen=True)
class _Plot:
    """The plotting area inside the margins, in SVG user units."""

    left: float = 72
    top: float = 76
    right: float = WIDTH - 24
    bottom: float = HEIGHT - 64

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.bottom - self.top


PLOT = _Plot()

# --- writing SVG --------------------------------------------------------------------------------


def _number(value: float) -> str:
    """A coordinate with at most two decimals and no trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def element(tag: str, attributes: Mapping[str, object], *children: str, text: str = "") -> str:
    """One element: attribute values and ``text`` are escaped here, ``children`` are elements
    this module made."""
    attrs = "".join(
        f" {name}={quoteattr(_number(value) if isinstance(value, float) else str(value))}"
        for name, value in attributes.items()
    )
    body = escape(text) + "".join(children)
    return f"<{tag}{attrs}>{body}</{tag}>" if body else f"<{tag}{attrs}/>"


def _text(x: float, y: float, content: str, **extra: object) -> str:
    attributes: dict[str, object] = {"x": float(x), "y": float(y), "fill": TEXT_COLOUR}
    attributes.update({name.replace("_", "-"): value for name, value in extra.items()})
    return element("text", attributes, text=content)


def _line(x1: float, y1: float, x2: float, y2: float, colour: str) -> str:
    return element(
        "line", {"x1": x1, "y1": y1, "x2": x2, "y2": y2, "stroke": colour, "stroke-width": "1"}
    )


# --- the scale ----------------------------------------------------------------------------------


def axis_ticks(top: int, wanted: int = 5) -> list[int]:
    """Whole-number ticks from 0 to at least ``top`` in steps of 1, 2 or 5 times a power of
    ten, about ``wanted`` of them (counts are whole numbers: no step below 1)."""
    if top <= 0:
        return [0, 1]
    rough = top / wanted
    magnitude = 10 ** math.floor(math.log10(rough))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= rough)
    whole = max(1, math.ceil(step))
    return list(range(0, math.ceil(top / whole) * whole + 1, whole))


def _highest(chart: BarChart) -> int:
    if not chart.series:
        return 0
    if chart.stacked:
        return max(
            (sum(column) for column in zip(*(s.values for s in chart.series), strict=True)),
            default=0,
        )
    return max((max(s.values, default=0) for s in chart.series), default=0)


# --- the parts of a chart -----------------------------------------------------------------------


def _y_axis(ticks: Sequence[int], label: str) -> list[str]:
    parts = []
    for tick in ticks:
        y = PLOT.bottom - PLOT.height * tick / ticks[-1]
        parts.append(_line(PLOT.left, y, PLOT.right, y, GRID_COLOUR))
        parts.append(_text(PLOT.left - 8, y + 4, str(tick), text_anchor="end", font_size="11"))
    middle = PLOT.top + PLOT.height / 2
    parts.append(
        _text(
            18,
            middle,
            label,
            text_anchor="middle",
            font_size="12",
            transform=f"rotate(-90 18 {_number(middle)})",
        )
    )
    parts.append(_line(PLOT.left, PLOT.top, PLOT.left, PLOT.bottom, AXIS_COLOUR))
    return parts


def _x_axis(categories: Sequence[str], label: str) -> list[str]:
    parts = [_line(PLOT.left, PLOT.bottom, PLOT.right, PLOT.bottom, AXIS_COLOUR)]
    band = PLOT.width / max(1, len(categories))
    every = max(1, math.ceil(len(categories) / MAX_X_LABELS))
    for index, category in enumerate(categories):
        if index % every == 0:
            x = PLOT.left + band * (index + 0.5)
            parts.append(_text(x, PLOT.bottom + 18, category, text_anchor="middle", font_size="11"))
    parts.append(
        _text(PLOT.left + PLOT.width / 2, HEIGHT - 16, label, text_anchor="middle", font_size="12")
    )
    return parts


def _legend(series: Sequence[Series]) -> list[str]:
    parts, x = [], PLOT.left
    for one in series:
        parts.append(
            element(
                "rect",
                {
                    "class": "legend-key",
                    "x": x,
                    "y": 46.0,
                    "width": 12,
                    "height": 12,
                    "fill": one.colour,
                },
            )
        )
        parts.append(_text(x + 16, 56, one.name, font_size="12"))
        x += 28 + 12 * max(2, len(one.name))  # wide enough for CJK names too
    return parts


def _bar(series: Series, category: str, value: int, box: tuple[float, float, float, float]) -> str:
    x, y, width, height = box
    return element(
        "rect",
        {
            "class": "bar",
            "data-series": series.name,
            "data-category": category,
            "data-value": value,
            "x": x,
            "y": y,
            "width": width,
            "height": height,
            "fill": series.colour,
        },
        element("title", {}, text=f"{category} · {series.name}: {value}"),
    )


def _bars(chart: BarChart, top: int) -> list[str]:
    """The bars; a zero draws nothing (there is nothing to see or hover)."""
    band = PLOT.width / max(1, len(chart.categories))
    inner = band * 0.7
    per_unit = PLOT.height / top
    parts = []
    for index, category in enumerate(chart.categories):
        left = PLOT.left + band * index + (band - inner) / 2
        base = PLOT.bottom
        width = inner if chart.stacked else inner / max(1, len(chart.series))
        for number, series in enumerate(chart.series):
            value = series.values[index]
            if value == 0:
                continue
            height = value * per_unit
            x = left if chart.stacked else left + width * number
            y = base - height
            parts.append(_bar(series, category, value, (x, y, width, height)))
            if chart.stacked:
                base = y
    return parts


def render(chart: BarChart) -> str:
    """The chart as one SVG document (UTF-8 text with its XML declaration)."""
    highest = _highest(chart)
    ticks = axis_ticks(highest)
    body = [
        element("title", {"id": "chart-title"}, text=chart.title),
        element("desc", {"id": "chart-desc"}, text=chart.description),
        element("rect", {"x": 0, "y": 0, "width": WIDTH, "height": HEIGHT, "fill": "#FFFFFF"}),
        _text(WIDTH / 2, 28, chart.title, text_anchor="middle", font_size="16", font_weight="bold"),
        *_legend(chart.series),
        *_y_axis(ticks, chart.y_label),
        *_x_axis(chart.categories, chart.x_label),
        *_bars(chart, ticks[-1]),
    ]
    if highest == 0:
        body.append(
            _text(
                PLOT.left + PLOT.width / 2,
                PLOT.top + PLOT.height / 2,
                chart.empty_text,
                text_anchor="middle",
                font_size="14",
            )
        )
    svg = element(
        "svg",
        {
            "xmlns": SVG_NS,
            "viewBox": f"0 0 {WIDTH} {HEIGHT}",
            "width": WIDTH,
            "height": HEIGHT,
            "role": "img",
            "aria-labelledby": "chart-title chart-desc",
            "font-family": FONT,
        },
        *body,
    )
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + svg + "\n"
