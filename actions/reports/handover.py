"""Handover: questions handed to a coach (tickets) opened, answered, and the time a coach took to answer.

Tickets count from the day they were opened; "answered" are those of them a coach has answered; the
time to answer is their mean in hours (the hidden sum of hours is in the ledger, so a mean cannot give
back a suppressed group by way of the total).
"""

from __future__ import annotations

from sqlalchemy import func

from actions.models import Ticket
from actions.reports import sources
from actions.reports.model import Cell, Chart, Column, Filters, Metric, Page, Scope
from actions.reports.query import UNKNOWN, Measure, Period, grouped, hours_between, mean
from actions.reports.suppression import Ledger
from actions.reports.tables import Layout, Mean, Share, breakdown, ordered
from core.db import Database
from core.i18n import N_

FIGURES = [
    Column("opened", N_("Tickets opened"), "count"),
    Column("answered", N_("Answered"), "count"),
    Column("waiting", N_("Not answered yet"), "count"),
]
DERIVED = (
    Share("answered_share", N_("Share answered"), "answered", "waiting", "opened"),
    Mean("hours", N_("Mean time to answer"), "hours_total", "answered"),
)
SUMS = ((("answered", "waiting"), "opened"),)


def _measures(db: Database) -> dict[str, Measure]:
    answered = Ticket.answered_at.is_not(None)
    return {
        "opened": Measure("rows"),
        "answered": Measure("rows", answered),
        "waiting": Measure("rows", Ticket.answered_at.is_(None)),
        "hours_total": Measure("sum", answered, hours_between(db, Ticket.created_at, Ticket.answered_at)),
    }


async def build(db: Database, filters: Filters, scope: Scope) -> Page:
    """The handover page for these filters and this scope."""
    ledger = Ledger()
    period = Period.of(filters)
    src = sources.tickets()
    measures = _measures(db)
    total = (await grouped(db, src, period, filters, scope, measures))[()]
    before = (await grouped(db, src, period.previous(), filters, scope, measures))[()]
    metrics = []
    for cells in (total, before):
        ledger.relate([cells["answered"], cells["waiting"]], cells["opened"])
        ledger.track(cells["hours_total"])
    for key, title in (("opened", N_("Tickets opened")), ("answered", N_("Answered"))):
        metrics.append(Metric(key, title, "count", total[key], before[key]))
    metrics.append(
        Metric("hours", N_("Mean time to answer"), "hours", _mean(ledger, total), _mean(ledger, before))
    )
    tables = []
    for key, title, column, heading in (
        ("by_topic", N_("Tickets by topic"), func.coalesce(Ticket.topic, UNKNOWN), N_("Topic")),
        ("by_country", N_("Tickets by country"), src.country, N_("Country")),
        ("by_language", N_("Tickets by language"), src.language, N_("Language")),
    ):
        rows = await grouped(db, src, period, filters, scope, measures, keys=[column])
        name = key.removeprefix("by_")
        layout = Layout(
            [Column(name, heading, "label")], FIGURES, DERIVED, hidden=("hours_total",), sums=SUMS
        )
        tables.append(
            breakdown(
                ledger,
                key,
                title,
                layout,
                ordered(rows),
                total,
                chart=Chart("stacked", name, ("answered", "waiting")),
            )
        )
    ledger.finish()
    return Page("handover", N_("Handover to coaches"), metrics=metrics, tables=tables)


def _mean(ledger: Ledger, cells: dict[str, Cell]) -> Cell:
    count = cells["answered"]
    return ledger.derive(mean(cells["hours_total"], count), [cells["hours_total"], count], count)
