"""An adversary with the page in hand (or its CSVs): what can it compute about the cells shown as "< 5"?

It knows only what a partner knows: the numbers shown, the meaning of the columns (which add up, which
share is of what), and that figures on one page describe the same people. It is written apart from
``actions/reports/suppression.py`` (its own equations, numpy's rank), so it checks that code, not itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np

from actions.reports.model import Page, Table

HID = "< 5"
Var = tuple[str, int, str]  # (table, row index — -1 for the total, column key); metrics: ("metric", 0, key)

#: Columns that add up within a row, per table-key prefix (what the column headings say).
ROW_SUMS: dict[str, list[tuple[list[str], str]]] = {
    "by_": [(["answered", "unanswered"], "questions"), (["answered", "waiting"], "opened")],
    "downvoted": [(["down", "up"], "votes")],
    "responses_": [(["completed", "unfinished"], "started")],
    "deliveries": [(["sent", "failed", "unreachable", "skipped", "pending"], "recipients")],
}
#: Distinct people over groups do not add up (a person may ask about two topics).
NOT_ADDITIVE = {"people", "active"}
#: Percent columns: (share, part, whole).
SHARES = [
    ("answered_share", "answered", "questions"),
    ("answered_share", "answered", "opened"),
    ("down_share", "down", "votes"),
    ("completion", "completed", "started"),
]


@dataclass
class Grid:
    """A table as the adversary reads it: numbers, or "< 5"."""

    key: str
    columns: list[str]
    kinds: list[str]
    rows: list[list[object]]
    total: list[object] | None

    def lines(self) -> list[tuple[int, list[object]]]:
        """Rows with their index, the total as -1."""
        found = list(enumerate(self.rows))
        return found + ([(-1, self.total)] if self.total is not None else [])


def grid(table: Table) -> Grid:
    """What a table shows."""

    def shown(row: list[object]) -> list[object]:
        return [HID if c.suppressed else c.value for c in row]  # type: ignore[attr-defined]

    return Grid(
        table.key,
        [c.key for c in table.columns],
        [c.kind for c in table.columns],
        [shown(r) for r in table.rows],  # type: ignore[arg-type]
        shown(table.total) if table.total is not None else None,  # type: ignore[arg-type]
    )


@dataclass
class Equations:
    """Linear equations Σ coef · value = constant over shown and hidden figures."""

    rows: list[tuple[dict[Var, float], float]] = field(default_factory=list)
    hidden: set[Var] = field(default_factory=set)

    def add(self, terms: list[tuple[Var, object, float]]) -> None:
        """Σ coef · figure = 0, with the shown figures moved to the right."""
        unknown: dict[Var, float] = {}
        constant = 0.0
        for var, value, coef in terms:
            if value == HID:
                unknown[var] = unknown.get(var, 0.0) + coef
                self.hidden.add(var)
            elif isinstance(value, int | float) and not isinstance(value, bool):
                constant -= coef * float(value)
            else:
                return  # a label, or no data: not an equation
        if unknown:
            self.rows.append((unknown, constant))

    def recovered(self) -> dict[Var, float]:
        """Hidden figures the equations pin down: by linear algebra, or because all must be 1."""
        found: dict[Var, float] = {}
        names = sorted(self.hidden)
        if not names or not self.rows:
            return found
        a = np.array([[row.get(n, 0.0) for n in names] for row, _ in self.rows])
        b = np.array([c for _, c in self.rows])
        rank = np.linalg.matrix_rank(a)
        solution = np.linalg.lstsq(a, b, rcond=None)[0]
        for i, name in enumerate(names):
            unit = np.zeros(len(names))
            unit[i] = 1
            if np.linalg.matrix_rank(np.vstack([a, unit])) == rank:
                found[name] = round(float(solution[i]), 3)
        for row, constant in self.rows:  # every hidden figure is at least 1: a sum equal to their number
            if all(c == 1 for c in row.values()) and abs(constant - len(row)) < 1e-9:
                found.update(dict.fromkeys(row, 1.0))
        return found


def equations(page_key: str, grids: list[Grid], metrics: dict[str, object]) -> Equations:
    """Everything the adversary knows adds up on one page."""
    eq = Equations()
    totals: dict[str, list[tuple[Var, object]]] = {}
    for g in grids:
        col = {k: i for i, k in enumerate(g.columns)}
        if g.total is not None:  # the rows add up to the total row, column by column
            for key, i in col.items():
                if g.kinds[i] != "count" or key in NOT_ADDITIVE:
                    continue
                terms = [((g.key, r, key), row[i], 1.0) for r, row in enumerate(g.rows)]
                eq.add([*terms, ((g.key, -1, key), g.total[i], -1.0)])
                if g.key.startswith("by_"):
                    totals.setdefault(key, []).append(((g.key, -1, key), g.total[i]))
        for prefix, sums in ROW_SUMS.items():
            if not g.key.startswith(prefix):
                continue
            for parts, whole in sums:
                if all(p in col for p in parts) and whole in col:
                    for r, row in g.lines():
                        terms = [((g.key, r, p), row[col[p]], 1.0) for p in parts]
                        eq.add([*terms, ((g.key, r, whole), row[col[whole]], -1.0)])
        for share, part, whole in SHARES:  # part = share × whole / 100, when both are shown
            if share in col and part in col and whole in col:
                for r, row in g.lines():
                    s, w = row[col[share]], row[col[whole]]
                    if isinstance(s, int | float) and isinstance(w, int | float):
                        eq.add(
                            [
                                ((g.key, r, part), row[col[part]], 1.0),
                                (("known", 0, ""), round(s * w / 100), -1.0),
                            ]
                        )
    for key, value in metrics.items():  # a headline count equals the tables' totals
        totals.setdefault(key, []).append((("metric", 0, key), value))
    for same in totals.values():
        for (var_a, a), (var_b, b) in pairwise(same):
            eq.add([(var_a, a, 1.0), (var_b, b, -1.0)])
    if page_key == "overview":  # weekly questions add up to the headline figure
        weekly = next(g for g in grids if g.key == "weekly")
        terms = [(("weekly", r, "questions"), row[2], 1.0) for r, row in enumerate(weekly.rows)]
        eq.add([*terms, (("metric", 0, "questions"), metrics.get("questions"), -1.0)])
    _gaps(eq, grids)
    return eq


def _gaps(eq: Equations, grids: list[Grid]) -> None:
    """Unanswered (topic, language) cells add up to the by-topic and by-language "not answered"."""
    by = {g.key: g for g in grids}
    if "unanswered" not in by:
        return
    gaps = by["unanswered"]
    if gaps.total is not None:
        unanswered = by["by_topic"].total
        assert unanswered is not None
        eq.add(
            [
                (("unanswered", -1, "questions"), gaps.total[2], 1.0),
                (("by_topic", -1, "unanswered"), unanswered[4], -1.0),
            ]
        )
    for name, position in (("by_topic", 0), ("by_language", 1)):
        table = by[name]
        col = table.columns.index("unanswered")
        for r, row in enumerate(table.rows):
            terms = [
                (("unanswered", g, "questions"), line[2], 1.0)
                for g, line in enumerate(gaps.rows)
                if line[position] == row[0]
            ]
            eq.add([*terms, ((name, r, "unanswered"), row[col], -1.0)])


def attack(page: Page) -> tuple[dict[Var, float], int]:
    """The hidden figures the page gives away, and how many hidden figures it has."""
    grids = [grid(t) for t in page.tables]
    metrics = {
        m.key: (HID if m.current.suppressed else m.current.value) for m in page.metrics if m.kind == "count"
    }
    eq = equations(page.key, grids, metrics)
    hidden = sum(1 for g in grids for _, row in g.lines() for v in row if v == HID)
    hidden += sum(1 for v in metrics.values() if v == HID)
    return eq.recovered(), hidden
