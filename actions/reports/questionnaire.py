"""Questionnaire: responses per language, per-question answers and drop-off, distributions, NPS and CUQ.

Every figure describes the responses *started* in the period, one questionnaire version at a time. The
scores reuse ``actions.surveys.report``: the NPS is ``nps_score`` of the answers, the CUQ is
``cuq_score``, applied to the item means of the complete responses — the CUQ formula is linear, so the
score of the mean items is the mean of the responses' scores, and the SQL never returns a person's row.
Free-text answers are never read; a text question shows only how many answered it.
"""

from __future__ import annotations

import typing
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, String, cast, func, or_, select

from actions.models import SurveyAnswer, SurveyResponse
from actions.reports import sources
from actions.reports.model import Cell, Chart, Column, Filters, Page, Scope, Table
from actions.reports.query import Measure, Period, Rows, Source, grouped
from actions.reports.suppression import Ledger
from actions.reports.tables import Derived, Formula, Layout, Mean, Share, breakdown, ordered
from actions.surveys.definitions import Definition, Question, shipped
from actions.surveys.report import cuq_score, nps_score
from core.db import Database
from core.i18n import N_

SCALES = ("likert5", "nps")
#: Table titles (msgids) per questionnaire; another questionnaire gets the generic ones.
TITLES = {
    "evaluation": {
        "responses": N_("InterHub evaluation: responses per language"),
        "questions": N_("InterHub evaluation: answers and drop-off per question"),
        "answers": N_("InterHub evaluation: distribution of the answers"),
        "scores": N_("InterHub evaluation: NPS and CUQ per language"),
    },
    "event": {
        "responses": N_("Event feedback: responses per language"),
        "questions": N_("Event feedback: answers and drop-off per question"),
        "answers": N_("Event feedback: distribution of the answers"),
    },
}
GENERIC = {
    "responses": N_("Responses per language"),
    "questions": N_("Answers and drop-off per question"),
    "answers": N_("Distribution of the answers"),
    "scores": N_("NPS and CUQ per language"),
}


def _title(d: Definition, table: str) -> str:
    return TITLES.get(d.name, {}).get(table) or GENERIC[table]


NPS_GROUPS = (("promoters", 9, 10), ("passives", 7, 8), ("detractors", 0, 6))


def _score() -> Any:
    return SurveyAnswer.value["value"].as_integer()


def _version(d: Definition) -> ColumnElement[bool]:
    return (SurveyResponse.survey == d.name) & (SurveyResponse.version == d.version)


class _Page:
    """The queries of one page: the same period, filters and scope throughout."""

    def __init__(self, db: Database, filters: Filters, scope: Scope) -> None:
        self.db, self.filters, self.scope = db, filters, scope
        self.period = Period.of(filters)
        self.ledger = Ledger()

    async def rows(
        self, src: Source, measures: dict[str, Measure], keys: list[Any], where: list[ColumnElement[bool]]
    ) -> Rows:
        """One grouped query over the responses started in the period."""
        return await grouped(
            self.db,
            src,
            self.period,
            self.filters,
            self.scope,
            measures,
            keys=keys,
            where=where,
            at=SurveyResponse.started_at,
        )


async def build(db: Database, filters: Filters, scope: Scope) -> Page:
    """The questionnaire page for these filters and this scope."""
    page = _Page(db, filters, scope)
    tables: list[Table] = []
    for definition in shipped().all():
        tables += await _definition(page, definition)
    page.ledger.finish()
    return Page("questionnaire", N_("Questionnaire"), tables=tables)


async def _definition(page: _Page, d: Definition) -> list[Table]:
    src = sources.responses()
    status = SurveyResponse.status == "submitted"
    measures = {
        "started": Measure("rows"),
        "completed": Measure("rows", status),
        "unfinished": Measure("rows", ~status),
    }
    by_language = await page.rows(src, measures, [src.language], [_version(d)])
    total = (await page.rows(src, measures, [], [_version(d)]))[()]
    if not total["started"].value and not total["started"].people:
        return []
    name = f"{d.name}_v{d.version}"
    responses = breakdown(
        page.ledger,
        f"responses_{name}",
        _title(d, "responses"),
        Layout(
            [Column("language", N_("Language"), "label")],
            [
                Column("started", N_("Started"), "count"),
                Column("completed", N_("Completed"), "count"),
                Column("unfinished", N_("Not finished"), "count"),
            ],
            [Share("completion", N_("Completion rate"), "completed", "unfinished", "started")],
            sums=((("completed", "unfinished"), "started"),),
        ),
        ordered(by_language),
        total,
        chart=Chart("stacked", "language", ("completed", "unfinished")),
    )
    per_question, answered = await _questions(page, d, total["unfinished"])
    tables = [responses, per_question]
    distribution = await _distribution(page, d, answered)
    if distribution is not None:
        tables.append(distribution)
    if d.nps or d.cuq:
        tables.append(await _scores(page, d, name, distribution))
    return tables


async def _questions(page: _Page, d: Definition, unfinished: Cell) -> tuple[Table, dict[str, Cell]]:
    src = sources.answers()
    answers = await page.rows(
        src,
        {
            "answered": Measure("rows", SurveyAnswer.skipped.is_(False)),
            "skipped": Measure("rows", SurveyAnswer.skipped.is_(True)),
        },
        [SurveyAnswer.question],
        [_version(d)],
    )
    responses = sources.responses()
    stopped = await page.rows(
        responses,
        {"drop_off": Measure("rows")},
        [SurveyResponse.current],
        [_version(d), SurveyResponse.status != "submitted"],
    )
    rows = []
    for question in d.questions:
        cells = {
            "answered": answers.get((question.id,), {}).get("answered") or Cell(0, 0),
            "skipped": answers.get((question.id,), {}).get("skipped") or Cell(0, 0),
            "drop_off": stopped.get((question.id,), {}).get("drop_off") or Cell(0, 0),
        }
        rows.append(([question.id, question.text["en"]], cells))
    known = {q.id for q in d.questions}
    stray = [cells["drop_off"] for key, cells in stopped.items() if key[0] not in known]
    page.ledger.relate([cells["drop_off"] for _, cells in rows] + stray, unfinished)
    table = breakdown(
        page.ledger,
        f"questions_{d.name}_v{d.version}",
        _title(d, "questions"),
        Layout(
            [Column("question", N_("Question"), "label"), Column("text", N_("Text"), "label")],
            [
                Column("answered", N_("Answered"), "count"),
                Column("skipped", N_("Skipped"), "count"),
                Column("drop_off", N_("Stopped here"), "count"),
            ],
        ),
        rows,
        None,
        chart=Chart("bar", "question", ("answered", "drop_off")),
        note=N_("Stopped here: unfinished responses whose next question is this one."),
    )
    return table, {q.id: cells["answered"] for q, (_, cells) in zip(d.questions, rows, strict=True)}


async def _distribution(page: _Page, d: Definition, answered: dict[str, Cell]) -> Table | None:
    src = sources.answers()
    given = SurveyAnswer.skipped.is_(False)
    measures = {"answers": Measure("rows", given)}
    scales = [q for q in d.questions if q.type in SCALES]
    singles = [q for q in d.questions if q.type == "single"]
    multis = [q for q in d.questions if q.type == "multi"]
    found: Rows = {}
    if scales:
        where = [_version(d), SurveyAnswer.question.in_([q.id for q in scales])]
        found |= await page.rows(src, measures, [SurveyAnswer.question, _score()], where)
    if singles:
        where = [_version(d), SurveyAnswer.question.in_([q.id for q in singles])]
        found |= await page.rows(
            src, measures, [SurveyAnswer.question, SurveyAnswer.value["value"].as_string()], where
        )
    for question in multis:
        chosen = {c.id: Measure("rows", given & _contains(c.id)) for c in question.choices}
        counts = (await page.rows(src, chosen, [], [_version(d), SurveyAnswer.question == question.id]))[()]
        found |= {(question.id, choice): {"answers": cell} for choice, cell in counts.items()}
    rows = []
    for question in [*scales, *singles, *multis]:
        options = _options(question)
        cells = [found.get((question.id, option), {}).get("answers") or Cell(0, 0) for option in options]
        if question.type != "multi":  # one answer each: the options add up to the answers
            page.ledger.relate(cells, answered[question.id])
        rows += [
            ([question.id, str(option)], {"answers": cell})
            for option, cell in zip(options, cells, strict=True)
        ]
    if not rows:
        return None
    return breakdown(
        page.ledger,
        f"answers_{d.name}_v{d.version}",
        _title(d, "answers"),
        Layout(
            [Column("question", N_("Question"), "label"), Column("option", N_("Answer"), "label")],
            [Column("answers", N_("Answers"), "count")],
        ),
        rows,
        None,
        chart=Chart("bar", "option", ("answers",)),
        note=N_("Several choices may be given to a multiple-choice question."),
    )


def _options(question: Question) -> list[object]:
    if question.type == "likert5":
        return list(range(1, 6))
    if question.type == "nps":
        return list(range(11))
    return [c.id for c in question.choices]


def _contains(choice: str) -> ColumnElement[bool]:
    """A multiple-choice answer (JSON ``{"value": [...]}``) that includes ``choice``."""
    text = cast(SurveyAnswer.value, String)
    return or_(text.like(f'%["{choice}"%'), text.like(f'%, "{choice}"%'))


async def _scores(page: _Page, d: Definition, name: str, distribution: Table | None) -> Table:
    src = sources.answers()
    score = _score()
    measures: dict[str, Measure] = {}
    figures: list[Column] = []
    derived: list[Derived] = []
    hidden: list[str] = []
    sums: list[tuple[Sequence[str], str]] = []
    if d.nps:
        for group, low, high in NPS_GROUPS:
            measures[group] = Measure(
                "rows", (SurveyAnswer.question == d.nps) & (score >= low) & (score <= high)
            )
        measures["nps_answers"] = Measure("rows", SurveyAnswer.question == d.nps)
        figures.append(Column("nps_answers", N_("NPS answers"), "count"))
        groups = tuple(g for g, _, _ in NPS_GROUPS)
        derived.append(Formula("nps", N_("NPS"), "score", groups, "nps_answers", _nps))
        hidden += groups
        sums.append((groups, "nps_answers"))
    where = [_version(d), SurveyAnswer.skipped.is_(False)]
    nps_rows = await page.rows(src, measures, [src.language], where) if measures else {}
    nps_total = (await page.rows(src, measures, [], where))[()] if measures else {}
    cuq_rows, cuq_total = await _cuq(page, d)
    if d.cuq:
        figures.append(Column("cuq_responses", N_("Complete CUQ responses"), "count"))
        derived.append(Mean("cuq", N_("CUQ score (0–100)"), "cuq_points", "cuq_responses", "score"))
        hidden.append("cuq_points")
    names = [*measures, *(("cuq_responses", "cuq_points") if d.cuq else ())]
    rows = [
        ([key[0]], {**_zeros(names), **nps_rows.get(key, {}), **cuq_rows.get(key, {})})
        for key in sorted(set(nps_rows) | set(cuq_rows))
    ]
    total = {**nps_total, **cuq_total}
    if d.nps and distribution is not None:
        _nps_links(page.ledger, d.nps, distribution, total)
    return breakdown(
        page.ledger,
        f"scores_{name}",
        _title(d, "scores"),
        Layout([Column("language", N_("Language"), "label")], figures, derived, hidden=hidden, sums=sums),
        rows,
        total,
        chart=Chart("bar", "language", tuple(c.key for c in derived)),
        note=N_("CUQ: Holmes et al. 2019, 0–100, over the responses that answered all 16 items."),
    )


def _nps(cells: dict[str, Cell]) -> float | None:
    """``nps_score`` of the answers, rebuilt from the three groups' counts (only the groups matter)."""
    counts = [int(cells[g].value or 0) for g, _, _ in NPS_GROUPS]
    return nps_score([10] * counts[0] + [8] * counts[1] + [0] * counts[2])


def _zeros(names: Iterable[str]) -> dict[str, Cell]:
    return {name: Cell(0, 0) for name in names}


def _nps_links(ledger: Ledger, question: str, distribution: Table, total: dict[str, Cell]) -> None:
    """The NPS groups add up from the distribution's score cells."""
    cells = {int(str(row[1].value)): row[2] for row in distribution.rows if row[0].value == question}
    for group, low, high in NPS_GROUPS:
        ledger.relate([cells[s] for s in range(low, high + 1) if s in cells], total[group])


async def _cuq(page: _Page, d: Definition) -> tuple[Rows, dict[str, Cell]]:
    if not d.cuq:
        return {}, {}
    complete = (
        select(SurveyAnswer.response_id)
        .where(SurveyAnswer.question.in_(d.cuq), SurveyAnswer.skipped.is_(False))
        .group_by(SurveyAnswer.response_id)
        .having(func.count() == len(d.cuq))
    )
    score = _score()
    measures = {"cuq_responses": Measure("rows", SurveyAnswer.question == d.cuq[0])}
    for item in d.cuq:
        measures[item] = Measure("sum", SurveyAnswer.question == item, score)
    src = sources.answers()
    where = [_version(d), SurveyAnswer.response_id.in_(complete), SurveyAnswer.question.in_(d.cuq)]
    rows = await page.rows(src, measures, [src.language], where)
    total = (await page.rows(src, measures, [], where))[()]
    return {k: _points(d, v) for k, v in rows.items()}, _points(d, total)


def cast_list(values: list[float]) -> list[int]:
    """The item means as ``cuq_score`` takes them (it checks only that each lies within 1–5)."""
    return typing.cast(list[int], values)


def _points(d: Definition, cells: dict[str, Cell]) -> dict[str, Cell]:
    """The sum of the responses' CUQ scores: the score of the item means, times the responses."""
    count = cells["cuq_responses"]
    n = int(count.value or 0)
    means = [float(cells[item].value or 0) / n for item in d.cuq] if n else []
    # cuq_score is linear in its items, so on the item means (each within 1–5) it gives the mean score.
    points = cuq_score(cast_list(means)) * n if n else 0.0
    return {"cuq_responses": count, "cuq_points": Cell(points, count.people, count.suppressed)}
