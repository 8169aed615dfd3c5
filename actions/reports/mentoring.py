"""Mentoring: requests, matches, approvals, time to approval, active pairs.

A request counts from the day it was made. Matched: the ranking proposed at least one mentor. Approved:
a coach approved a mentor (whatever happened later: active, completed, or cancelled by the person).
Declined: a coach declined it. Time to approval: mean hours from the request to the approval. Active
pairs: approved requests whose mentorship was under way at some time in the period (approved before its
end, and still approved or active, or ended within it).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import ColumnElement, or_

from actions.models import MentoringRequest
from actions.reports import sources
from actions.reports.model import Cell, Chart, Column, Filters, Metric, Page, Scope
from actions.reports.query import Measure, Period, grouped, hours_between, json_list_length, mean
from actions.reports.suppression import Ledger
from actions.reports.tables import Layout, Mean, breakdown, ordered
from core.db import Database
from core.i18n import N_

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
FIGURES = [
    Column("requests", N_("Requests"), "count"),
    Column("matched", N_("Matched"), "count"),
    Column("approved", N_("Approved"), "count"),
    Column("declined", N_("Declined"), "count"),
]


def _approved() -> ColumnElement[bool]:
    return MentoringRequest.handled_at.is_not(None) & (MentoringRequest.state != "declined")


def _measures(db: Database) -> dict[str, Measure]:
    approved = _approved()
    return {
        "requests": Measure("rows"),
        "matched": Measure("rows", json_list_length(db, MentoringRequest.proposals, "ids") > 0),
        "approved": Measure("rows", approved),
        "declined": Measure("rows", MentoringRequest.state == "declined"),
        "other": Measure("rows", ~approved & (MentoringRequest.state != "declined")),  # waiting, withdrawn
        "hours_total": Measure(
            "sum",
            approved,
            hours_between(db, MentoringRequest.created_at, MentoringRequest.handled_at),
        ),
    }


async def _active_pairs(db: Database, period: Period, filters: Filters, scope: Scope) -> Cell:
    under_way = or_(
        MentoringRequest.state.in_(("approved", "active")),
        MentoringRequest.updated_at >= period.start,
    )
    found = await grouped(
        db,
        sources.mentoring(),
        Period(EPOCH, period.end),
        filters,
        scope,
        {"pairs": Measure("rows")},
        where=[_approved(), under_way],
        at=MentoringRequest.handled_at,
    )
    return found[()]["pairs"]


async def build(db: Database, filters: Filters, scope: Scope) -> Page:
    """The mentoring page for these filters and this scope."""
    ledger = Ledger()
    period = Period.of(filters)
    src = sources.mentoring()
    measures = _measures(db)
    now = (await grouped(db, src, period, filters, scope, measures))[()]
    before = (await grouped(db, src, period.previous(), filters, scope, measures))[()]
    metrics = [
        Metric(c.key, c.label, "count", now[c.key], before[c.key]) for c in FIGURES if c.key != "declined"
    ]
    hours = [
        ledger.derive(mean(c["hours_total"], c["approved"]), [c["hours_total"], c["approved"]], c["approved"])
        for c in (now, before)
    ]
    metrics.append(Metric("hours", N_("Mean time to approval"), "hours", *hours))
    pairs = [await _active_pairs(db, p, filters, scope) for p in (period, period.previous())]
    ledger.track(*pairs)
    for cells in (now, before):  # requests − approved must not give back a small group either
        ledger.relate([cells["approved"], cells["declined"], cells["other"]], cells["requests"])
    metrics.append(Metric("active_pairs", N_("Active pairs"), "count", *pairs))
    tables = []
    for key, title, column, heading in (
        ("by_country", N_("Mentoring requests by country"), src.country, N_("Country")),
        ("by_sector", N_("Mentoring requests by sector"), src.sector, N_("Sector")),
    ):
        rows = await grouped(db, src, period, filters, scope, measures, keys=[column])
        name = key.removeprefix("by_")
        layout = Layout(
            [Column(name, heading, "label")],
            FIGURES,
            [Mean("hours", N_("Mean time to approval"), "hours_total", "approved")],
            hidden=("hours_total", "other"),
            sums=((("approved", "declined", "other"), "requests"),),
        )
        tables.append(
            breakdown(
                ledger,
                key,
                title,
                layout,
                ordered(rows),
                now,
                chart=Chart("bar", name, ("requests", "approved")),
            )
        )
    ledger.finish()
    return Page("mentoring", N_("Mentoring"), metrics=metrics, tables=tables)
