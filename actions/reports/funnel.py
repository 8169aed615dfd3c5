"""Funnel: invited → enrolled → attended → evaluated, per event and overall; waiting lists.

The stages are those of ``actions.events.Funnel`` (the ``interhub events funnel`` command): invited
means shown the event's card (logged with subject ``event:<id>``), enrolled means ever took a seat or a
waiting place, attended means marked present, evaluated means submitted the event's feedback form.
Waiting is who is on the waiting list now. Events count when they start within the period and are
published or finished; they belong to their country. Enrolled is attended + waiting + the others
(confirmed or cancelled, a hidden cell), so that difference is protected too; invited − enrolled and
attended − evaluated are not exact partitions and are not protected (see ``suppression.py``). The
overall row adds the events up (a person at two events counts twice, as in the rows), while its
suppression looks at the distinct people.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from actions.events import EVENT_FEEDBACK_FORM
from actions.models import Enrolment, Event, SurveyResponse
from actions.reports import sources
from actions.reports.model import Cell, Chart, Column, Filters, Page, Scope
from actions.reports.query import Measure, Period, Rows, Source, grouped
from actions.reports.suppression import Ledger
from actions.reports.tables import Layout, breakdown
from core.db import Database
from core.i18n import N_

LISTED = ("published", "finished")
STAGES = (
    Column("invited", N_("Invited"), "count"),
    Column("enrolled", N_("Enrolled"), "count"),
    Column("attended", N_("Attended"), "count"),
    Column("evaluated", N_("Evaluated"), "count"),
    Column("waiting", N_("On the waiting list"), "count"),
)


async def build(db: Database, filters: Filters, scope: Scope) -> Page:
    """The funnel page for these filters and this scope."""
    ledger = Ledger()
    period = Period.of(filters)
    events = await _events(db, period, scope, filters)
    listed = Event.status.in_(LISTED)
    stage_rows: dict[str, Rows] = {}
    overall: dict[str, Cell] = {}
    for name, src, key_column, measure, where in _stages(listed):
        measures = {name: measure}
        stage_rows[name] = await grouped(
            db, src, period, filters, scope, measures, keys=[key_column], where=where
        )
        overall[name] = (await grouped(db, src, period, filters, scope, measures, where=where))[()][name]
    rows = []
    for event_id, title, starts in events:
        cells = {k: stage_rows[k].get((event_id,), {}).get(k) or Cell(0, 0) for k in stage_rows}
        rows.append(([title, starts], cells))
    total = {
        c.key: Cell(
            sum(int(cells[c.key].value or 0) for _, cells in rows),
            overall[c.key].people,
            suppressed=overall[c.key].suppressed,
        )
        for c in [*STAGES, Column("other", "")]
    }
    table = breakdown(
        ledger,
        "events",
        N_("Funnel per event"),
        Layout(
            [Column("event", N_("Event"), "label"), Column("starts", N_("Date"), "label")],
            list(STAGES),
            hidden=("other",),
            sums=((("attended", "waiting", "other"), "enrolled"),),  # one place per person and event
        ),
        rows,
        total,
        chart=Chart("funnel", "event", ("invited", "enrolled", "attended", "evaluated")),
        note=N_(
            "Invited: shown the event. Enrolled: took a seat or a waiting place. "
            "Evaluated: sent the feedback form."
        ),
    )
    ledger.finish()
    return Page("funnel", N_("Events funnel"), tables=[table])


def _stages(listed: Any) -> list[tuple[str, Source, Any, Measure, list[Any]]]:
    """Each stage: its rows, the event they belong to, what counts, which events."""
    inv = sources.invitations()
    enr = sources.enrolments()
    ev = sources.evaluations()
    evaluated = (SurveyResponse.survey == EVENT_FEEDBACK_FORM) & (SurveyResponse.status == "submitted")
    return [
        (
            "invited",
            inv,
            sources.INVITED_EVENT.id,
            Measure("people"),
            [sources.INVITED_EVENT.status.in_(LISTED)],
        ),
        ("enrolled", enr, Event.id, Measure("people"), [listed]),
        ("attended", enr, Event.id, Measure("people", Enrolment.status == "attended"), [listed]),
        ("evaluated", ev, Event.id, Measure("people", evaluated), [listed]),
        ("waiting", enr, Event.id, Measure("people", Enrolment.status == "waitlisted"), [listed]),
        (
            "other",
            enr,
            Event.id,
            Measure("people", Enrolment.status.in_(("confirmed", "cancelled"))),
            [listed],
        ),
    ]


async def _events(db: Database, period: Period, scope: Scope, filters: Filters) -> list[tuple[int, str, str]]:
    query = (
        select(Event.id, Event.title, Event.starts_at)
        .where(Event.status.in_(LISTED), Event.starts_at >= period.start, Event.starts_at < period.end)
        .order_by(Event.starts_at, Event.id)
    )
    if scope.countries is not None:
        query = query.where(Event.country.in_(sorted(scope.countries)))
    if filters.country is not None:
        query = query.where(Event.country == filters.country)
    async with db.transaction() as session:
        found = (await session.execute(query)).all()
    return [(int(i), str(t), s.isoformat()[:10]) for i, t, s in found]
