"""The SVG charts: a mark per visible figure, a hatched "< 5" stub per hidden one, scaled on visible ones."""

from __future__ import annotations

import re

from actions.reports.model import Cell, Chart, Column, Table
from web.charts import nice_ceiling, render_chart


def fmt(cell: Cell, column: Column) -> str:
    return "< 5" if cell.suppressed else str(cell.value)


def table(kind: str, rows: list[list[Cell]], series: tuple[str, ...] = ("a", "b"), total=None) -> Table:  # type: ignore[no-untyped-def]
    return Table(
        key="t",
        title="A <title> & more",
        columns=[Column("x", "X", "label"), Column("a", "Series A"), Column("b", "Series B")],
        rows=rows,
        total=total,
        chart=Chart(kind, "x", series),  # type: ignore[arg-type]
    )


def draw(t: Table) -> str:
    svg = render_chart(t, label=lambda text: text, fmt=fmt, uid="c0")
    assert svg is not None
    return svg


def values(svg: str) -> list[float]:
    return [float(v) for v in re.findall(r'class="mark[^"]*"[^>]*data-value="([^"]+)"', svg)]


ROWS = [
    [Cell("IT"), Cell(40, 40), Cell(10, 10)],
    [Cell("DE"), Cell(None, 3, suppressed=True), Cell(20, 20)],
    [Cell("<b>SI</b>"), Cell(5, 5), Cell(7, 7)],
]


def test_bars_draw_each_visible_figure_and_a_stub_for_the_hidden_one() -> None:
    svg = draw(table("bar", ROWS))

    assert sorted(values(svg)) == [5, 7, 10, 20, 40]
    assert svg.count('class="suppressed"') == 1 and "DE · Series A: &lt; 5" in svg
    assert "<b>" not in svg and "&lt;b&gt;SI&lt;/b&gt;" in svg  # labels are escaped
    assert "A &lt;title&gt; &amp; more" in svg


def test_the_scale_ignores_a_hidden_value_so_the_picture_does_not_hint_at_it() -> None:
    hidden = [
        [Cell("IT"), Cell(40, 40), Cell(10, 10)],
        [Cell("DE"), Cell(4, 4, suppressed=True), Cell(20, 20)],
    ]
    small = [
        [Cell("IT"), Cell(40, 40), Cell(10, 10)],
        [Cell("DE"), Cell(1, 1, suppressed=True), Cell(20, 20)],
    ]

    assert draw(table("bar", hidden)) == draw(table("bar", small))


def test_stacked_bars_stack_the_visible_segments_and_name_the_hidden_ones() -> None:
    svg = draw(table("stacked", ROWS))

    assert sorted(values(svg)) == [5, 7, 10, 20, 40]
    assert "DE · Series A: &lt; 5" in svg
    assert 'class="legend"' in svg


def test_a_line_breaks_at_a_hidden_point() -> None:
    rows = [[Cell(f"W{w}"), Cell(w * 10, 10), Cell(None)] for w in range(1, 6)]
    rows[2][1] = Cell(None, 2, suppressed=True)

    svg = draw(table("line", rows, series=("a",)))

    assert values(svg) == [10, 20, 40, 50]
    assert svg.count("<polyline") == 2  # W1–W2 and W4–W5
    assert svg.count('class="suppressed"') == 1


def test_a_funnel_draws_one_bar_per_stage_from_the_total_row() -> None:
    rows = [[Cell("Event 1"), Cell(30, 30), Cell(12, 12)], [Cell("Event 2"), Cell(9, 9), Cell(3, 3, True)]]
    total = [Cell("All"), Cell(39, 39), Cell(None, 15, suppressed=True)]

    svg = draw(table("funnel", rows, total=total))

    assert values(svg) == [39]
    assert "Series B: &lt; 5" in svg


def test_a_table_without_a_chart_or_rows_draws_nothing() -> None:
    assert render_chart(table("none", ROWS), label=str, fmt=fmt, uid="c") is None
    assert render_chart(table("bar", []), label=str, fmt=fmt, uid="c") is None


def test_axis_maximum_is_a_round_number_at_or_above_the_largest_value() -> None:
    assert nice_ceiling(0) == (1.0, 0.25)
    assert nice_ceiling(37) == (40, 10)
    assert nice_ceiling(1234) == (1500, 500)
    assert nice_ceiling(0.8) == (0.8, 0.2)
