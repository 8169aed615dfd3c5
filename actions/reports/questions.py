"""Questions: by topic, country and language; top articles; gaps by topic and language; 👎 per article.

What to improve in the knowledge base, in counts only: partners never see a question's text. The gap
tables (unanswered, low confidence) add up per topic and per language to the figures of the breakdowns,
and those relations are in the ledger, so suppression holds across the tables of the page.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, not_

from actions.models import ArticleFeedback, MessageLog
from actions.reports import sources
from actions.reports.model import Cell, Chart, Column, Filters, Page, Scope, Table
from actions.reports.query import UNKNOWN, Expr, Measure, Period, Rows, Source, grouped, top
from actions.reports.suppression import Ledger
from actions.reports.tables import Layout, Share, breakdown, ordered
from core.db import Database
from core.i18n import N_

#: Below this confidence an answer (or a "not sure") counts as low confidence.
LOW_CONFIDENCE = 0.5
TOP_ARTICLES = 10
TOP_DOWNVOTED = 20

FIGURES = [
    Column("questions", N_("Questions"), "count"),
    Column("people", N_("People asking"), "count"),
    Column("answered", N_("Answered"), "count"),
    Column("unanswered", N_("Not answered"), "count"),
]
SHARE = Share("answered_share", N_("Answered from the knowledge base"), "answered", "unanswered", "questions")
SUMS = ((("answered", "unanswered"), "questions"),)


def _measures() -> dict[str, Measure]:
    question = sources.is_question()
    return {
        "questions": Measure("rows", question),
        "people": Measure("people", question),
        "answered": Measure("rows", question & MessageLog.answered.is_(True)),
        "unanswered": Measure("rows", question & not_(MessageLog.answered.is_(True))),
    }


def _topic() -> Expr:
    return func.coalesce(MessageLog.topic, UNKNOWN)


async def build(db: Database, filters: Filters, scope: Scope) -> Page:
    """The questions page for these filters and this scope."""
    ledger = Ledger()
    period = Period.of(filters)
    src = sources.messages()
    measures = _measures()
    total = (await grouped(db, src, period, filters, scope, measures))[()]
    tables: list[Table] = []
    by: dict[str, Rows] = {}
    for key, title, column, heading in (
        ("by_topic", N_("Questions by topic"), _topic(), N_("Topic")),
        ("by_country", N_("Questions by country"), src.country, N_("Country")),
        ("by_language", N_("Questions by language"), src.language, N_("Language")),
    ):
        by[key] = await grouped(db, src, period, filters, scope, measures, keys=[column])
        tables.append(
            breakdown(
                ledger,
                key,
                title,
                Layout([Column(key.removeprefix("by_"), heading, "label")], FIGURES, [SHARE], sums=SUMS),
                ordered(by[key]),
                total,
                chart=Chart("stacked", key.removeprefix("by_"), ("answered", "unanswered")),
            )
        )
    tables.append(await _top_articles(db, src, period, filters, scope, ledger, total["answered"]))
    unanswered = not_(MessageLog.answered.is_(True))
    tables.append(
        await _gaps(
            db,
            src,
            period,
            filters,
            scope,
            ledger,
            "unanswered",
            N_("Not answered, by topic and language"),
            unanswered,
        )
    )
    _link(ledger, tables[-1], by, total["unanswered"])
    low = MessageLog.confidence < LOW_CONFIDENCE
    tables.append(
        await _gaps(
            db,
            src,
            period,
            filters,
            scope,
            ledger,
            "low_confidence",
            N_("Low confidence, by topic and language"),
            low,
        )
    )
    tables.append(await _downvoted(db, period, filters, scope, ledger))
    ledger.finish()
    return Page("questions", N_("Questions"), tables=tables)


async def _top_articles(
    db: Database, src: Source, period: Period, filters: Filters, scope: Scope, ledger: Ledger, answered: Cell
) -> Table:
    question = sources.is_question() & MessageLog.answered.is_(True)
    measures = {"questions": Measure("rows", question), "people": Measure("people", question)}
    head, rest = await top(
        db,
        src,
        period,
        filters,
        scope,
        measures,
        [func.coalesce(MessageLog.article_id, UNKNOWN)],
        "questions",
        TOP_ARTICLES,
    )
    rows: list[tuple[list[object], dict[str, Cell]]] = [([key[0]], cells) for key, cells in head]
    if rest is not None:
        rows.append(([N_("Other articles")], rest))
    table = breakdown(
        ledger,
        "top_articles",
        N_("Most used articles"),
        Layout(
            [Column("article", N_("Article"), "label")],
            [Column("questions", N_("Questions answered"), "count"), Column("people", N_("People"), "count")],
        ),
        rows,
        None,
        chart=Chart("bar", "article", ("questions",)),
    )
    ledger.relate([cells["questions"] for _, cells in rows], answered)
    return table


async def _gaps(
    db: Database,
    src: Source,
    period: Period,
    filters: Filters,
    scope: Scope,
    ledger: Ledger,
    key: str,
    title: str,
    condition: ColumnElement[bool],
) -> Table:
    question = sources.is_question() & condition
    measures = {"questions": Measure("rows", question), "people": Measure("people", question)}
    rows = await grouped(db, src, period, filters, scope, measures, keys=[_topic(), src.language])
    total = (await grouped(db, src, period, filters, scope, measures))[()]
    return breakdown(
        ledger,
        key,
        title,
        Layout(
            [Column("topic", N_("Topic"), "label"), Column("language", N_("Language"), "label")],
            [Column("questions", N_("Questions"), "count"), Column("people", N_("People"), "count")],
        ),
        ordered(rows),
        total,
        chart=Chart("bar", "topic", ("questions",)),
        note=N_("Counts only: the questions' texts are never shown here."),
    )


def _link(ledger: Ledger, gaps: Table, by: dict[str, Rows], unanswered: Cell) -> None:
    """The unanswered cells add up, per topic and per language, to the breakdowns' "not answered"."""
    assert gaps.total is not None
    ledger.same(gaps.total[2], unanswered)
    for position, name in ((0, "by_topic"), (1, "by_language")):
        for group, cells in by[name].items():
            parts = [row[2] for row in gaps.rows if row[position].value == group[0]]
            ledger.relate(parts, cells["unanswered"])


async def _downvoted(db: Database, period: Period, filters: Filters, scope: Scope, ledger: Ledger) -> Table:
    src = sources.votes()
    measures = {
        "down": Measure("rows", ArticleFeedback.vote < 0),
        "up": Measure("rows", ArticleFeedback.vote > 0),
        "votes": Measure("rows"),
    }
    keys = [ArticleFeedback.article_id, src.language]
    head, rest = await top(db, src, period, filters, scope, measures, keys, "down", TOP_DOWNVOTED)
    rows: list[tuple[list[object], dict[str, Cell]]] = [([k[0], k[1]], cells) for k, cells in head]
    if rest is not None:
        rows.append(([N_("Other articles"), ""], rest))
    total = (await grouped(db, src, period, filters, scope, measures))[()]
    return breakdown(
        ledger,
        "downvoted",
        N_("👎 per article and language"),
        Layout(
            [Column("article", N_("Article"), "label"), Column("language", N_("Language"), "label")],
            [
                Column("down", N_("👎"), "count"),
                Column("up", N_("👍"), "count"),
                Column("votes", N_("Votes"), "count"),
            ],
            [Share("down_share", N_("Share of 👎"), "down", "up", "votes")],
            sums=((("down", "up"), "votes"),),
        ),
        rows,
        total,
        chart=Chart("stacked", "article", ("down", "up")),
    )
