"""What every dashboard page is made of: filters in, suppressed aggregate tables out.

The web package renders these (HTML table, SVG chart, CSV) and never queries the database itself; the
queries live in this package, one module per page. Every number shown to a partner is a ``Cell`` that
knows how many distinct people it describes, so suppression ("< 5") is decided here, once, for the
page, the chart and the CSV alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

MIN_PEOPLE = 5  # a cell describing fewer distinct people is shown as "< 5"

Kind = Literal["label", "count", "percent", "ratio", "hours", "score"]
ChartKind = Literal["bar", "line", "stacked", "funnel", "none"]


@dataclass(frozen=True)
class Filters:
    """The filters on every page; ``None`` means all. Dates are inclusive, in UTC."""

    start: date
    end: date
    country: str | None = None  # ISO code: IT, DE, SI, HR, HU
    language: str | None = None  # UI language code
    sector: str | None = None  # fashion, design, food, other


@dataclass(frozen=True)
class Scope:
    """Which countries the signed-in account may see; ``None``: all (coaches and admins)."""

    countries: frozenset[str] | None = None

    def allows(self, country: str | None) -> bool:
        """Whether a filter on ``country`` (None: all countries) is within this scope."""
        if self.countries is None:
            return True
        return country is not None and country in self.countries


@dataclass
class Cell:
    """One figure: its value, the distinct people behind it, and whether it must be hidden."""

    value: float | int | str | None
    people: int = 0  # distinct pseudonyms the figure describes (0 for labels)
    suppressed: bool = False


@dataclass(frozen=True)
class Column:
    """A column of a table: a key (CSV header), a msgid for its heading, what kind of figure it holds."""

    key: str
    label: str
    kind: Kind = "count"


@dataclass
class Chart:
    """How the web layer should draw a table: which column is the x axis and which are the series."""

    kind: ChartKind
    x: str
    series: tuple[str, ...]


@dataclass
class Table:
    """One table of a page (and one CSV download), with its chart; ``total`` is the last row, if any."""

    key: str  # stable id, used in the CSV URL: /questions.csv?table=by_topic
    title: str  # msgid
    columns: list[Column]
    rows: list[list[Cell]]
    total: list[Cell] | None = None
    chart: Chart | None = None
    note: str | None = None  # msgid, e.g. how a figure is computed


@dataclass
class Metric:
    """A headline figure with the same figure for the previous period of equal length."""

    key: str
    label: str  # msgid
    kind: Kind
    current: Cell
    previous: Cell


@dataclass
class Page:
    """What one dashboard page shows for the given filters and scope."""

    key: str  # overview, questions, handover, funnel, mentoring, questionnaire, broadcasts
    title: str  # msgid
    metrics: list[Metric] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)

    def table(self, key: str) -> Table:
        """The table with this key (KeyError when absent)."""
        for table in self.tables:
            if table.key == key:
                return table
        raise KeyError(key)
