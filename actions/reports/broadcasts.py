"""Broadcasts: delivery per broadcast (sent, failed, unreachable, skipped, waiting) and opt-outs.

A broadcast counts when it was confirmed within the period; its recipients are placed by their profile
(country, language, sector; ``unknown`` without one). Opt-outs: recipients it reached who turned
invitations off within ``OPT_OUT_DAYS`` days of receiving it (the reply logged as ``invitations_off``).
A broadcast's row is labelled by number and date only, never by its text.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from actions.broadcasts import PENDING
from actions.models import Broadcast, BroadcastOutbox, MessageLog
from actions.reports import sources
from actions.reports.model import Cell, Chart, Column, Filters, Page, Scope
from actions.reports.query import Measure, Period, grouped
from actions.reports.suppression import Ledger
from actions.reports.tables import Layout, breakdown
from core.db import Database
from core.i18n import N_

OPT_OUT_DAYS = 7
STATES = (
    Column("sent", N_("Sent"), "count"),
    Column("failed", N_("Failed"), "count"),
    Column("unreachable", N_("Unreachable"), "count"),
    Column("skipped", N_("Skipped"), "count"),
    Column("pending", N_("Waiting"), "count"),
)
FIGURES = [
    Column("recipients", N_("Recipients"), "count"),
    *STATES,
    Column("opt_outs", N_("Opt-outs"), "count"),
]


def _opted_out(db: Database) -> Any:
    """Outbox rows whose recipient turned invitations off within the window (a subquery, joined once)."""
    log = aliased(MessageLog, name="opt_out_log")
    row = aliased(BroadcastOutbox, name="opt_out_row")
    until: Any
    if db.engine.dialect.name == "sqlite":  # SQLite keeps moments as text: add the days in SQL
        until = func.datetime(row.sent_at, f"+{OPT_OUT_DAYS} days")
    else:
        until = row.sent_at + timedelta(days=OPT_OUT_DAYS)
    opted = (
        select(row.id)
        .join(log, log.pseudonym == row.pseudonym)
        .where(
            row.state == "sent",
            log.intent == "invitations_off",
            log.created_at >= row.sent_at,
            log.created_at < until,
        )
        .distinct()
    )
    return opted.subquery("opted_out")


def _measures(opted: Any) -> dict[str, Measure]:
    state = BroadcastOutbox.state
    found = {"recipients": Measure("rows")}
    for column in STATES:
        wanted = state.in_(PENDING) if column.key == "pending" else state == column.key
        found[column.key] = Measure("rows", wanted)
    found["opt_outs"] = Measure("rows", (state == "sent") & opted.c.id.is_not(None))
    found["stayed"] = Measure("rows", (state == "sent") & opted.c.id.is_(None))
    return found


async def build(db: Database, filters: Filters, scope: Scope) -> Page:
    """The broadcasts page for these filters and this scope."""
    ledger = Ledger()
    period = Period.of(filters)
    opted = _opted_out(db)
    src = sources.outbox(opted)
    measures = _measures(opted)
    rows = await grouped(
        db, src, period, filters, scope, measures, keys=[Broadcast.id, Broadcast.confirmed_at]
    )
    total = (await grouped(db, src, period, filters, scope, measures))[()]
    body: list[tuple[list[object], dict[str, Cell]]] = [
        ([f"B-{key[0]:04d}", str(key[1])[:10]], cells) for key, cells in sorted(rows.items())
    ]
    states = [c.key for c in STATES]
    table = breakdown(
        ledger,
        "deliveries",
        N_("Delivery per broadcast"),
        Layout(
            [Column("broadcast", N_("Broadcast"), "label"), Column("date", N_("Date"), "label")],
            FIGURES,
            hidden=("stayed",),
            sums=((states, "recipients"), (("opt_outs", "stayed"), "sent")),
        ),
        body,
        total,
        chart=Chart("stacked", "broadcast", tuple(states)),
        note=N_("Opt-outs: people who turned invitations off within 7 days of receiving the broadcast."),
    )
    ledger.finish()
    return Page("broadcasts", N_("Broadcasts"), tables=[table])
