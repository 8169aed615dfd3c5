"""Grouped aggregate queries for the report pages: scope inside every query, filters as variants.

A page describes where its rows come from (a ``Source``: the pseudonym, the moment, the country and
language columns, joined to ``users`` by pseudonym for the sector) and what it counts (``Measure``).
``grouped`` runs one ``GROUP BY`` per call. Every measure comes with ``COUNT(DISTINCT pseudonym)`` and,
for each non-empty subset of the active filters, the distinct people that subset of filters leaves out
(the differencing defence of ``suppression.py``). The scope (a partner's countries) is in the WHERE
clause, so nothing outside it is ever read. People with no ``users`` row (after ``/forget``) or no
profile are counted under ``unknown``, never dropped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import combinations
from typing import Any, Literal

from sqlalchemy import ColumnElement, FromClause, and_, case, false, func, literal, not_, select, true, tuple_

from actions.models import User
from actions.reports.model import Cell, Filters, Scope
from actions.reports.suppression import small
from core.db import Database

UNKNOWN = "unknown"
#: A column or SQL expression (typed loosely: mapped attributes, functions and CASEs all fit).
Expr = Any


class ScopeError(PermissionError):
    """A filter asks for a country outside the account's scope (the web layer answers 403)."""


def check_scope(filters: Filters, scope: Scope) -> None:
    """Raise ScopeError when the country filter is outside the scope; dates in the right order."""
    if filters.country is not None and not scope.allows(filters.country):
        raise ScopeError(f"country {filters.country} is outside this account's scope")
    if filters.end < filters.start:
        raise ValueError("the period ends before it starts")


@dataclass(frozen=True)
class Period:
    """A half-open interval of UTC moments."""

    start: datetime
    end: datetime

    @classmethod
    def of(cls, filters: Filters) -> Period:
        """The filters' dates, inclusive, as moments."""
        return cls(_midnight(filters.start), _midnight(filters.end + timedelta(days=1)))

    def previous(self) -> Period:
        """The period of equal length just before."""
        return Period(self.start - (self.end - self.start), self.start)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


@dataclass(frozen=True)
class Source:
    """Where a page's rows come from; ``country``/``language``/``sector`` are never NULL (``unknown``)."""

    table: FromClause
    pseudonym: Expr
    at: Expr
    country: Expr
    language: Expr
    sector: Expr = field(default_factory=lambda: func.coalesce(User.sector, UNKNOWN))


def source(
    table: Any,
    pseudonym: Expr,
    at: Expr,
    *,
    country: Expr | None,
    language: Expr | None,
) -> Source:
    """A source joined to ``users`` by pseudonym; a missing column falls back to the person's profile."""
    joined = table.outerjoin(User, User.pseudonym == pseudonym)
    return Source(
        table=joined,
        pseudonym=pseudonym,
        at=at,
        country=func.coalesce(country, User.country, UNKNOWN) if country is not None else _profile("country"),
        language=func.coalesce(language, User.language, UNKNOWN)
        if language is not None
        else _profile("language"),
    )


def _profile(name: str) -> Expr:
    return func.coalesce(getattr(User, name), UNKNOWN)


@dataclass(frozen=True)
class Measure:
    """What a cell counts: rows, distinct people, or a sum of ``expr`` — over rows where ``when`` holds."""

    kind: Literal["rows", "people", "sum"]
    when: ColumnElement[bool] | None = None
    expr: Expr | None = None


Rows = dict[tuple[Any, ...], dict[str, Cell]]


def _conditions(src: Source, filters: Filters) -> list[ColumnElement[bool]]:
    wanted = (
        (src.country, filters.country),
        (src.language, filters.language),
        (src.sector, filters.sector),
    )
    return [column == value for column, value in wanted if value is not None]


def _all(conditions: Sequence[ColumnElement[bool]]) -> ColumnElement[bool]:
    return and_(true(), *conditions) if conditions else true()


async def grouped(
    db: Database,
    src: Source,
    period: Period,
    filters: Filters,
    scope: Scope,
    measures: Mapping[str, Measure],
    keys: Sequence[Expr] = (),
    where: Sequence[ColumnElement[bool]] = (),
    at: Expr | None = None,
) -> Rows:
    """One GROUP BY over ``src`` within the period and scope: ``{key values: {measure: Cell}}``.

    ``at`` replaces the source's moment column for this query (e.g. a ticket's answer time).
    """
    conditions = _conditions(src, filters)
    subsets = [s for n in range(1, len(conditions) + 1) for s in combinations(range(len(conditions)), n)]
    columns: list[Any] = [k.label(f"k{i}") for i, k in enumerate(keys)]
    for name, measure in measures.items():
        base = measure.when if measure.when is not None else true()
        chosen = and_(base, _all(conditions))
        columns.append(_value(measure, chosen, src).label(f"{name}__v"))
        columns.append(func.count(func.distinct(case((chosen, src.pseudonym)))).label(f"{name}__p"))
        for number, subset in enumerate(subsets):
            kept = [c for i, c in enumerate(conditions) if i not in subset]
            dropped = [conditions[i] for i in subset]
            left_out = and_(base, _all(kept), not_(_all(dropped)))
            columns.append(
                func.count(func.distinct(case((left_out, src.pseudonym)))).label(f"{name}__c{number}")
            )
    moment = at if at is not None else src.at
    query = select(*columns).select_from(src.table).where(moment >= period.start, moment < period.end, *where)
    if scope.countries is not None:
        allowed = sorted(scope.countries)
        query = query.where(src.country.in_(allowed) if allowed else false())
    if keys:
        query = query.group_by(*keys)
    async with db.transaction() as session:
        result = (await session.execute(query)).mappings().all()
    rows: Rows = {}
    for record in result:
        key = tuple(_plain(record[f"k{i}"]) for i in range(len(keys)))
        rows[key] = {name: _cell(measure, record, name, len(subsets)) for name, measure in measures.items()}
    if not keys and not rows:
        rows[()] = {name: Cell(0 if m.kind != "sum" else 0.0, 0) for name, m in measures.items()}
    return rows


def _value(measure: Measure, chosen: ColumnElement[bool], src: Source) -> Expr:
    if measure.kind == "rows":
        return func.count(case((chosen, literal(1))))
    if measure.kind == "people":
        return func.count(func.distinct(case((chosen, src.pseudonym))))
    assert measure.expr is not None
    return func.coalesce(func.sum(case((chosen, measure.expr))), 0)


def _cell(measure: Measure, record: Any, name: str, subsets: int) -> Cell:
    people = int(record[f"{name}__p"] or 0)
    raw = record[f"{name}__v"] or 0
    value: int | float = float(raw) if measure.kind == "sum" else int(raw)
    left_out = [int(record[f"{name}__c{n}"] or 0) for n in range(subsets)]
    hidden = small(people) or (people > 0 and any(small(n) for n in left_out))
    return Cell(value, people, suppressed=hidden)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()[:10]
    return UNKNOWN if value is None else value


def cells_of(rows: Rows, key: tuple[Any, ...], names: Sequence[str]) -> dict[str, Cell]:
    """The cells of a group, with 0 for a group that had no rows."""
    found = rows.get(key, {})
    return {name: found.get(name) or Cell(0, 0) for name in names}


def week_of(db: Database, moment: Expr) -> Expr:
    """The Monday (UTC) of the moment's ISO week, as a date."""
    if db.engine.dialect.name == "sqlite":
        return func.date(moment, "weekday 0", "-6 days")
    return func.date(func.date_trunc("week", func.timezone("UTC", moment)))


def hours_between(db: Database, start: Expr, end: Expr) -> Expr:
    """``end − start`` in hours, on SQLite and PostgreSQL."""
    if db.engine.dialect.name == "sqlite":
        return (func.julianday(end) - func.julianday(start)) * 24.0
    return func.extract("epoch", end - start) / 3600.0


def percent(part: Cell, whole: Cell) -> Cell:
    """``part`` as a share of ``whole`` in percent (one decimal), describing the whole's people."""
    if not isinstance(part.value, int | float) or not isinstance(whole.value, int | float) or not whole.value:
        return Cell(None, whole.people)
    return Cell(round(100 * part.value / whole.value, 1), whole.people)


def ratio(top: Cell, bottom: Cell, people: int) -> Cell:
    """``top / bottom`` with two decimals (None when the bottom is 0)."""
    if (
        not isinstance(top.value, int | float)
        or not isinstance(bottom.value, int | float)
        or not bottom.value
    ):
        return Cell(None, people)
    return Cell(round(top.value / bottom.value, 2), people)


def mean(total: Cell, count: Cell) -> Cell:
    """``total / count`` with one decimal, describing the count's people."""
    if (
        not isinstance(total.value, int | float)
        or not isinstance(count.value, int | float)
        or not count.value
    ):
        return Cell(None, count.people)
    return Cell(round(total.value / count.value, 1), count.people)


def label(text: object) -> Cell:
    """A row label (describes no one by itself)."""
    return Cell(str(text))


async def top(
    db: Database,
    src: Source,
    period: Period,
    filters: Filters,
    scope: Scope,
    measures: Mapping[str, Measure],
    keys: Sequence[Expr],
    by: str,
    limit: int,
    where: Sequence[ColumnElement[bool]] = (),
) -> tuple[list[tuple[tuple[Any, ...], dict[str, Cell]]], dict[str, Cell] | None]:
    """The ``limit`` largest groups by measure ``by``, and the rest as one group (None when no rest).

    The rest is its own aggregate query (its distinct people cannot be added up from the groups).
    """
    rows = await grouped(db, src, period, filters, scope, measures, keys=keys, where=where)
    ranked = sorted(rows.items(), key=lambda kv: (-_number(kv[1][by].value), [str(k) for k in kv[0]]))
    head, tail = ranked[:limit], ranked[limit:]
    if not tail:
        return head, None
    shown = [key for key, _ in head]
    outside = not_(tuple_(*keys).in_(shown)) if len(keys) > 1 else not_(keys[0].in_([k[0] for k in shown]))
    rest = await grouped(db, src, period, filters, scope, measures, where=[*where, outside])
    return head, rest[()]


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float) else 0.0


def json_list_length(db: Database, column: Expr, key: str) -> Expr:
    """The length of the JSON list ``column[key]`` (0 when missing), on SQLite and PostgreSQL."""
    if db.engine.dialect.name == "sqlite":
        return func.coalesce(func.json_array_length(column, f"$.{key}"), 0)
    return func.coalesce(func.json_array_length(column.op("->")(key)), 0)
