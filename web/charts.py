"""Server-side SVG charts (bar, line, stacked, funnel) drawn from a report table, no JavaScript.

A suppressed cell is never drawn to scale: it gets a hatched stub and the text "< 5", and the axis is
scaled on the visible figures only, so nothing in the picture hints at a hidden value.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from html import escape

from actions.reports.model import Cell, Chart, Column, Kind, Table

SUPPRESSED = "< 5"
WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP = 56, 12, 30
BOTTOM, BOTTOM_ROTATED = 30, 90  # room for the x labels, straight or turned
MANY = 6  # more x labels than this are turned
SERIES_COLOURS = 6  # CSS classes s0…s5
Format = Callable[[Cell, Column], str]  # the text of a cell of a column, as on the page
Label = Callable[[str], str]


@dataclass(frozen=True)
class Point:
    """One value of one series at one x position; ``value`` is None when suppressed or empty."""

    value: float | None
    text: str
    suppressed: bool


@dataclass(frozen=True)
class Series:
    """A series of the chart: its legend text, kind and points (one per x label)."""

    key: str
    name: str
    kind: Kind
    points: list[Point]


def _number(cell: Cell) -> float | None:
    if cell.suppressed or cell.value is None or isinstance(cell.value, str):
        return None
    return float(cell.value)


def _series(table: Table, chart: Chart, label: Label, fmt: Format) -> tuple[list[str], list[Series]]:
    keys = [column.key for column in table.columns]
    x_at = keys.index(chart.x)
    xs = [fmt(row[x_at], table.columns[x_at]) for row in table.rows]
    series: list[Series] = []
    for key in chart.series:
        column = table.columns[keys.index(key)]
        points = [
            Point(
                _number(row[keys.index(key)]),
                fmt(row[keys.index(key)], column),
                row[keys.index(key)].suppressed,
            )
            for row in table.rows
        ]
        series.append(Series(key, label(column.label), column.kind, points))
    return xs, series


def nice_ceiling(value: float) -> tuple[float, float]:
    """An axis maximum at or above ``value`` and its tick step (1, 2 or 5 times a power of ten)."""
    if value <= 0:
        return 1.0, 0.25
    rough = value / 4
    power = 10 ** math.floor(math.log10(rough))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= rough)
    return step * math.ceil(value / step - 1e-9), step


def _short(text: str, limit: int = 16) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _tick(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 or value == int(value) else f"{value:.2g}"


class Canvas:
    """Collects SVG elements for one chart; every text is escaped."""

    def __init__(self, uid: str, title: str, labels: int = 0) -> None:
        self.uid = uid
        self.rotate = labels > MANY
        self.bottom = BOTTOM_ROTATED if self.rotate else BOTTOM
        self.parts: list[str] = [
            f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{uid}-t" '
            f'xmlns="http://www.w3.org/2000/svg">',
            f'<title id="{uid}-t">{escape(title)}</title>',
            f'<defs><pattern id="{uid}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
            f'patternTransform="rotate(45)"><rect width="6" height="6" class="hatch-bg"/>'
            f'<line x1="0" y1="0" x2="0" y2="6" class="hatch-line"/></pattern></defs>',
        ]

    def add(self, element: str) -> None:
        """Append raw SVG (callers escape their texts)."""
        self.parts.append(element)

    def text(
        self, x: float, y: float, text: str, css: str, anchor: str = "middle", rotate: bool = False
    ) -> None:
        """A text element; rotated texts turn 35° around their anchor."""
        turn = f' transform="rotate(-35 {x:.1f} {y:.1f})"' if rotate else ""
        self.parts.append(
            f'<text x="{x:.1f}" y="{y:.1f}" class="{css}" text-anchor="{anchor}"{turn}>{escape(text)}</text>'
        )

    def mark(self, x: float, y: float, w: float, h: float, index: int, tip: str, value: float) -> None:
        """A data mark (a bar or segment) with a tooltip."""
        self.parts.append(
            f'<rect class="mark s{index % SERIES_COLOURS}" x="{x:.1f}" y="{y:.1f}" width="{max(w, 0.5):.1f}" '
            f'height="{max(h, 0.5):.1f}" data-value="{value:g}"><title>{escape(tip)}</title></rect>'
        )

    def stub(self, x: float, y: float, w: float, tip: str) -> None:
        """The hatched, fixed-size placeholder of a suppressed value, labelled "< 5"."""
        self.parts.append(
            f'<rect class="suppressed" x="{x:.1f}" y="{y - 8:.1f}" width="{max(w, 6):.1f}" height="8" '
            f'fill="url(#{self.uid}-hatch)"><title>{escape(tip)}</title></rect>'
        )
        self.text(x + max(w, 6) / 2, y - 11, SUPPRESSED, "supp")

    def legend(self, series: list[Series]) -> None:
        """One coloured square and name per series, along the top (only for several series)."""
        if len(series) < 2:
            return
        x = LEFT
        for index, item in enumerate(series):
            self.add(f'<rect class="s{index % SERIES_COLOURS}" x="{x}" y="8" width="10" height="10"/>')
            name = _short(item.name, 22)
            self.text(x + 14, 17, name, "legend", anchor="start")
            x += 24 + 7 * len(name)

    def y_axis(
        self, top: float, step: float, fmt: Callable[[float], str] = _tick
    ) -> Callable[[float], float]:
        """Grid lines and tick labels; returns the value → y mapping."""
        plot = HEIGHT - TOP - self.bottom

        def y(value: float) -> float:
            return TOP + plot * (1 - value / top)

        tick = 0.0
        while tick <= top + 1e-9:
            self.add(
                f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(tick):.1f}" y2="{y(tick):.1f}"/>'
            )
            self.text(LEFT - 6, y(tick) + 4, fmt(tick), "tick", anchor="end")
            tick += step
        return y

    def x_labels(self, xs: list[str], centre: Callable[[int], float]) -> None:
        """Labels under the plot, rotated when there are many."""
        every = max(1, math.ceil(len(xs) / 16))
        for index, text in enumerate(xs):
            if index % every == 0:
                anchor = "end" if self.rotate else "middle"
                y = HEIGHT - self.bottom + 16
                self.text(
                    centre(index), y, _short(text, 14 if self.rotate else 16), "xlabel", anchor, self.rotate
                )

    def svg(self) -> str:
        """The finished SVG element."""
        return "".join([*self.parts, "</svg>"])


def _bars(canvas: Canvas, xs: list[str], series: list[Series]) -> None:
    visible = [p.value for s in series for p in s.points if p.value is not None]
    top, step = nice_ceiling(max(visible, default=0.0))
    y = canvas.y_axis(top, step)
    band = (WIDTH - LEFT - RIGHT) / max(len(xs), 1)
    bar = band * 0.8 / len(series)
    for i, x_label in enumerate(xs):
        for j, item in enumerate(series):
            point = item.points[i]
            x = LEFT + band * i + band * 0.1 + bar * j
            tip = f"{x_label} · {item.name}: {point.text}"
            if point.value is not None:
                canvas.mark(x, y(point.value), bar, y(0) - y(point.value), j, tip, point.value)
            elif point.suppressed:
                canvas.stub(x, y(0), bar, tip)
    canvas.x_labels(xs, lambda i: LEFT + band * (i + 0.5))


def _stacked(canvas: Canvas, xs: list[str], series: list[Series]) -> None:
    totals = [sum(s.points[i].value or 0.0 for s in series) for i in range(len(xs))]
    top, step = nice_ceiling(max(totals, default=0.0))
    y = canvas.y_axis(top, step)
    band = (WIDTH - LEFT - RIGHT) / max(len(xs), 1)
    for i, x_label in enumerate(xs):
        x, base = LEFT + band * i + band * 0.15, 0.0
        hidden: list[str] = []
        for j, item in enumerate(series):
            point = item.points[i]
            if point.value is not None:
                tip = f"{x_label} · {item.name}: {point.text}"
                canvas.mark(
                    x, y(base + point.value), band * 0.7, y(base) - y(base + point.value), j, tip, point.value
                )
                base += point.value
            elif point.suppressed:
                hidden.append(item.name)
        if hidden:  # hidden segments are not stacked: a stub on top names them
            canvas.stub(x, y(base), band * 0.7, f"{x_label} · {', '.join(hidden)}: {SUPPRESSED}")
    canvas.x_labels(xs, lambda i: LEFT + band * (i + 0.5))


def _lines(canvas: Canvas, xs: list[str], series: list[Series]) -> None:
    visible = [p.value for s in series for p in s.points if p.value is not None]
    top, step = nice_ceiling(max(visible, default=0.0))
    y = canvas.y_axis(top, step)
    span = WIDTH - LEFT - RIGHT - 20

    def x_of(i: int) -> float:
        return LEFT + 10 + (span * i / (len(xs) - 1) if len(xs) > 1 else span / 2)

    for j, item in enumerate(series):
        runs: list[list[str]] = [[]]
        for i, point in enumerate(item.points):
            if point.value is None:
                runs.append([])  # a hidden or empty value breaks the line
                if point.suppressed:
                    canvas.stub(x_of(i) - 4, y(0), 8, f"{xs[i]} · {item.name}: {point.text}")
                continue
            runs[-1].append(f"{x_of(i):.1f},{y(point.value):.1f}")
            tip = escape(f"{xs[i]} · {item.name}: {point.text}")
            canvas.add(
                f'<circle class="mark dot s{j % SERIES_COLOURS}" cx="{x_of(i):.1f}" '
                f'cy="{y(point.value):.1f}" r="3.5" data-value="{point.value:g}">'
                f"<title>{tip}</title></circle>"
            )
        for run in runs:
            if len(run) > 1:
                canvas.add(f'<polyline class="line s{j % SERIES_COLOURS}" points="{" ".join(run)}"/>')
    canvas.x_labels(xs, x_of)


def _funnel(canvas: Canvas, stages: list[str], points: list[Point]) -> None:
    """Centred horizontal bars, one per stage, widths to scale of the largest visible stage."""
    widest = max((p.value for p in points if p.value is not None), default=0.0) or 1.0
    row = (HEIGHT - TOP - 12) / max(len(stages), 1)
    middle, room = (WIDTH + 140) / 2, WIDTH - 160
    for i, (stage, point) in enumerate(zip(stages, points, strict=True)):
        top = TOP + row * i + row * 0.1
        canvas.text(8, top + row * 0.45, _short(stage, 18), "xlabel", anchor="start")
        tip = f"{stage}: {point.text}"
        if point.value is not None:
            width = room * point.value / widest
            canvas.mark(middle - width / 2, top, width, row * 0.7, i, tip, point.value)
            canvas.text(middle, top + row * 0.45, point.text, "onbar")
        elif point.suppressed:
            canvas.stub(middle - 20, top + row * 0.6, 40, tip)


def render_chart(table: Table, *, label: Label, fmt: Format, uid: str) -> str | None:
    """The SVG of a table's chart, or None when it has none (or nothing to draw)."""
    chart = table.chart
    if chart is None or chart.kind == "none" or not table.rows or not chart.series:
        return None
    xs, series = _series(table, chart, label, fmt)
    canvas = Canvas(uid, label(table.title), labels=len(xs))
    if chart.kind == "funnel":
        if len(series) == 1:
            _funnel(canvas, xs, series[0].points)
        else:  # one row per event, the stages as columns: the funnel of the total (or only) row
            source = (
                table.total if table.total is not None else (table.rows[0] if len(table.rows) == 1 else None)
            )
            if source is None:
                canvas.legend(series)
                _bars(canvas, xs, series)
                return canvas.svg()
            keys = [column.key for column in table.columns]
            columns = [table.columns[keys.index(s.key)] for s in series]
            cells = [source[keys.index(s.key)] for s in series]
            _funnel(
                canvas,
                [s.name for s in series],
                [Point(_number(c), fmt(c, col), c.suppressed) for c, col in zip(cells, columns, strict=True)],
            )
        return canvas.svg()
    canvas.legend(series)
    {"bar": _bars, "stacked": _stacked, "line": _lines}[chart.kind](canvas, xs, series)
    return canvas.svg()
