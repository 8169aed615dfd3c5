"""Reading pages in tests: what a partner sees, cell by cell."""

from __future__ import annotations

from datetime import date
from typing import Any

from actions.reports.model import Cell, Filters, Page, Table

PERIOD = {"start": date(2026, 11, 2), "end": date(2026, 11, 15)}
HIDDEN = "< 5"


def period(**filters: Any) -> Filters:
    """The standard two weeks with optional country/language/sector filters."""
    return Filters(**PERIOD, **filters)


def seen(cell: Cell) -> object:
    """What the page shows for a cell."""
    return HIDDEN if cell.suppressed else cell.value


def rows(table: Table) -> list[list[object]]:
    """The table's rows (and its total row last, if any) as shown."""
    body = [[seen(c) for c in row] for row in table.rows]
    return body + ([[seen(c) for c in table.total]] if table.total is not None else [])


def metrics(page: Page) -> dict[str, tuple[object, object]]:
    """Each metric's (current, previous) as shown."""
    return {m.key: (seen(m.current), seen(m.previous)) for m in page.metrics}


def all_cells(page: Page) -> list[Cell]:
    """Every cell of the page: metrics, rows, totals."""
    found = [c for m in page.metrics for c in (m.current, m.previous)]
    for table in page.tables:
        for row in [*table.rows, *([table.total] if table.total is not None else [])]:
            found += row
    return found


def keyed(page: Page) -> dict[tuple[object, ...], Cell]:
    """Every figure of the page by (table, row labels, column), metrics by ("metric", key, period)."""
    found: dict[tuple[object, ...], Cell] = {}
    for m in page.metrics:
        found[("metric", m.key, "current")] = m.current
        found[("metric", m.key, "previous")] = m.previous
    for table in page.tables:
        for row in [*table.rows, *([table.total] if table.total is not None else [])]:
            labels = tuple(c.value for c, col in zip(row, table.columns, strict=True) if col.kind == "label")
            for cell, col in zip(row, table.columns, strict=True):
                if col.kind != "label":
                    found[(table.key, labels, col.key)] = cell
    return found
