"""Overview: active people, questions, answered from the knowledge base, handed to a coach, 👍/👎, NPS.

Each headline figure comes with the same figure for the previous period of equal length; a table gives
active people and questions per week (its questions add up to the headline figure).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import not_

from actions.models import ArticleFeedback, MessageLog, SurveyAnswer
from actions.reports import sources
from actions.reports.model import Cell, Chart, Column, Filters, Metric, Page, Scope, Table
from actions.reports.query import (
    Measure,
    Period,
    grouped,
    label,
    percent,
    ratio,
    week_of,
)
from actions.reports.suppression import Ledger
from actions.surveys.definitions import shipped
from actions.surveys.report import nps_score
from core.db import Database
from core.i18n import N_


@dataclass
class Figures:
    """The headline cells of one period."""

    active: Cell
    questions: Cell
    answered: Cell
    handed: Cell
    votes: Cell
    nps: Cell


async def _figures(db: Database, period: Period, filters: Filters, scope: Scope, ledger: Ledger) -> Figures:
    question = sources.is_question()
    answered = question & MessageLog.answered.is_(True)
    msgs = (
        await grouped(
            db,
            sources.messages(),
            period,
            filters,
            scope,
            {
                "active": Measure("people"),
                "questions": Measure("rows", question),
                "answered": Measure("rows", answered),
                "unanswered": Measure("rows", question & not_(MessageLog.answered.is_(True))),
            },
        )
    )[()]
    tickets = (await grouped(db, sources.tickets(), period, filters, scope, {"opened": Measure("rows")}))[()]
    votes = (
        await grouped(
            db,
            sources.votes(),
            period,
            filters,
            scope,
            {
                "voters": Measure("people"),
                "up": Measure("rows", ArticleFeedback.vote > 0),
                "down": Measure("rows", ArticleFeedback.vote < 0),
            },
        )
    )[()]
    nps = await nps_cells(db, period, filters, scope, ledger)
    ledger.relate([msgs["answered"], msgs["unanswered"]], msgs["questions"])
    share = ledger.derive(
        percent(msgs["answered"], msgs["questions"]),
        [msgs["answered"], msgs["unanswered"]],
        msgs["questions"],
    )
    handed = ledger.derive(
        percent(tickets["opened"], msgs["questions"]),
        [tickets["opened"], msgs["questions"]],
        msgs["questions"],
    )
    thumbs = ledger.derive(
        ratio(votes["up"], votes["down"], votes["voters"].people),
        [votes["up"], votes["down"]],
        votes["voters"],
    )
    ledger.track(msgs["active"], msgs["questions"])
    return Figures(msgs["active"], msgs["questions"], share, handed, thumbs, nps)


async def nps_cells(db: Database, period: Period, filters: Filters, scope: Scope, ledger: Ledger) -> Cell:
    """The NPS of every questionnaire's recommendation question answered in the period (derived)."""
    score = SurveyAnswer.value["value"].as_integer()
    wanted = sources.nps_answers(shipped().all())
    found = (
        await grouped(
            db,
            sources.answers(),
            period,
            filters,
            scope,
            {
                "answers": Measure("rows"),
                "promoters": Measure("rows", score >= 9),
                "passives": Measure("rows", (score >= 7) & (score <= 8)),
                "detractors": Measure("rows", score <= 6),
            },
            where=[wanted],
        )
    )[()]
    parts = [found["promoters"], found["passives"], found["detractors"]]
    ledger.relate(parts, found["answers"])
    scores = [10] * _int(parts[0]) + [8] * _int(parts[1]) + [0] * _int(parts[2])
    return ledger.derive(Cell(nps_score(scores), found["answers"].people), parts, found["answers"])


def _int(cell: Cell) -> int:
    return int(cell.value) if isinstance(cell.value, int | float) else 0


async def _weekly(
    db: Database, period: Period, filters: Filters, scope: Scope, ledger: Ledger, questions: Cell
) -> Table:
    src = sources.messages()
    rows = await grouped(
        db,
        src,
        period,
        filters,
        scope,
        {"active": Measure("people"), "questions": Measure("rows", sources.is_question())},
        keys=[week_of(db, src.at)],
    )
    ordered = sorted(rows.items())
    ledger.relate([cells["questions"] for _, cells in ordered], questions)
    for _, cells in ordered:
        ledger.track(cells["active"])
    return Table(
        key="weekly",
        title=N_("Active people and questions per week"),
        columns=[
            Column("week", N_("Week starting"), "label"),
            Column("active", N_("Active people"), "count"),
            Column("questions", N_("Questions"), "count"),
        ],
        rows=[[label(week), cells["active"], cells["questions"]] for (week,), cells in ordered],
        chart=Chart("line", "week", ("active", "questions")),
        note=N_("Active: wrote to or used the bot that week. Weeks start on Monday (UTC)."),
    )


METRICS = (
    ("active", N_("Active people"), "count"),
    ("questions", N_("Questions"), "count"),
    ("answered", N_("Answered from the knowledge base"), "percent"),
    ("handed", N_("Handed to a coach"), "percent"),
    ("votes", N_("👍 per 👎"), "ratio"),
    ("nps", N_("NPS"), "score"),
)


async def build(db: Database, filters: Filters, scope: Scope) -> Page:
    """The overview page for these filters and this scope."""
    ledger = Ledger()
    period = Period.of(filters)
    now = await _figures(db, period, filters, scope, ledger)
    before = await _figures(db, period.previous(), filters, scope, ledger)
    weekly = await _weekly(db, period, filters, scope, ledger, now.questions)
    ledger.finish()
    metrics = [
        Metric(key, title, kind, getattr(now, key), getattr(before, key))  # type: ignore[arg-type]
        for key, title, kind in METRICS
    ]
    return Page("overview", N_("Overview"), metrics=metrics, tables=[weekly])
