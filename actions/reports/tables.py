"""Turning grouped query results into tables whose relations the ledger knows (for suppression)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from actions.reports.model import Cell, Chart, Column, Kind, Table
from actions.reports.query import Rows, label, mean, percent
from actions.reports.suppression import Ledger
from core.i18n import N_


@dataclass(frozen=True)
class Share:
    """A percentage column: ``part`` of ``whole``, where ``part + rest = whole`` (both inputs)."""

    key: str
    title: str
    part: str
    rest: str
    whole: str


@dataclass(frozen=True)
class Mean:
    """An average column: the hidden ``total`` (a sum) over the ``count`` column."""

    key: str
    title: str
    total: str
    count: str
    kind: Kind = "hours"


@dataclass(frozen=True)
class Formula:
    """Any other derived column: ``compute`` over the row's cells, from ``inputs``, on ``base``."""

    key: str
    title: str
    kind: Kind
    inputs: tuple[str, ...]
    base: str
    compute: Callable[[dict[str, Cell]], float | None]


Derived = Share | Mean | Formula


@dataclass(frozen=True)
class Layout:
    """What a breakdown shows: label columns, figure columns, derived columns, and which sums hold."""

    labels: Sequence[Column]
    figures: Sequence[Column]
    derived: Sequence[Derived] = ()
    hidden: Sequence[str] = ()  # measures that are inputs only (sums behind a mean)
    sums: Sequence[tuple[Sequence[str], str]] = ()  # within a row: parts add up to a figure


def breakdown(
    ledger: Ledger,
    key: str,
    title: str,
    layout: Layout,
    rows: Sequence[tuple[Sequence[object], dict[str, Cell]]],
    total: dict[str, Cell] | None,
    *,
    chart: Chart | None = None,
    note: str | None = None,
) -> Table:
    """A table with one row per group and an optional total row; each figure column adds up to its total
    (treated so even for distinct people, which is conservative), and the ``sums`` hold in every row."""
    names = [c.key for c in layout.figures] + list(layout.hidden)
    body = [(list(labels), cells) for labels, cells in rows if not _empty(cells, names)]
    for _, cells in body:
        _row_relations(ledger, layout, cells, names)
    if total is not None:
        _row_relations(ledger, layout, total, names)
        for name in names:
            ledger.relate([cells[name] for _, cells in body], total[name])

    def render(labels: list[object], cells: dict[str, Cell]) -> list[Cell]:
        shown = [label(text) for text in labels] + [cells[c.key] for c in layout.figures]
        return shown + [_derive(ledger, d, cells) for d in layout.derived]

    columns = list(layout.labels) + list(layout.figures)
    columns += [Column(d.key, d.title, "percent" if isinstance(d, Share) else d.kind) for d in layout.derived]
    blank = [""] * len(layout.labels)
    return Table(
        key=key,
        title=title,
        columns=columns,
        rows=[render(labels, cells) for labels, cells in body],
        total=render([_TOTAL, *blank[1:]], total) if total is not None else None,
        chart=chart,
        note=note,
    )


_TOTAL = N_("Total")  # the first label of a total row


def _empty(cells: dict[str, Cell], names: Sequence[str]) -> bool:
    """A group with nothing to show (it exists only through rows the measures do not count)."""
    return all(cells[n].value == 0 and cells[n].people == 0 for n in names)


def _row_relations(ledger: Ledger, layout: Layout, cells: dict[str, Cell], names: Sequence[str]) -> None:
    ledger.track(*(cells[n] for n in names))
    for parts, whole in layout.sums:
        ledger.relate([cells[p] for p in parts], cells[whole])


def _derive(ledger: Ledger, derived: Derived, cells: dict[str, Cell]) -> Cell:
    if isinstance(derived, Formula):
        base = cells[derived.base]
        value = derived.compute(cells) if base.value else None
        return ledger.derive(Cell(value, base.people), [cells[i] for i in derived.inputs], base)
    if isinstance(derived, Share):
        whole = cells[derived.whole]
        return ledger.derive(
            percent(cells[derived.part], whole), [cells[derived.part], cells[derived.rest]], whole
        )
    count = cells[derived.count]
    return ledger.derive(mean(cells[derived.total], count), [cells[derived.total], count], count)


def ordered(rows: Rows) -> list[tuple[Sequence[object], dict[str, Cell]]]:
    """Groups sorted by their key values."""
    return [(key, cells) for key, cells in sorted(rows.items(), key=lambda kv: [str(k) for k in kv[0]])]
