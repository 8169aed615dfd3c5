"""Demo questionnaire responses: the evaluation for invited people, the event form for attendees.

Responses walk the shipped definitions the way ``SurveyService`` does (``first_open``, ``visible``), every
value goes through ``check_value``, so the report's NPS, CUQ and drop-off compute on them. Some people stop
midway (paused, or left active); text questions are skipped: demo responses hold no free text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from actions.events import EVENT_FEEDBACK_FORM
from actions.models import SurveyAnswer, SurveyInvitation, SurveyResponse
from actions.seed_activity_base import Demo, Person, bulk
from actions.seed_activity_events import EventRun
from actions.surveys.answers import check_value
from actions.surveys.definitions import Definition, Definitions, Question
from actions.surveys.responses import ACTIVE_WINDOW, first_open

EVALUATION = "evaluation"
STOP_PER_QUESTION = 0.016  # the chance of stopping at each question (about 1 in 3 over 25 questions)


@dataclass
class Walk:
    """One response being filled in: its row, its answers, and where it stands."""

    row: SurveyResponse
    answers: list[dict[str, Any]] = field(default_factory=list)


def _value(demo: Demo, definition: Definition, question: Question, mood: float) -> Any:
    """A plausible answer from someone with this mood (0 unhappy, 1 delighted)."""
    rng = demo.rng
    if question.type == "likert5":
        negative = question.id in definition.cuq and definition.cuq.index(question.id) % 2 == 1
        centre = 1 + 4 * ((1 - mood) if negative else mood)
        return min(max(round(rng.gauss(centre, 0.8)), 1), 5)
    if question.type == "nps":
        return min(max(round(rng.gauss(10 * mood + 1.1, 1.5)), 0), 10)
    if question.type == "single":
        count = len(question.choices)
        index = min(max(int((1 - mood) * count + rng.gauss(0, 0.6)), 0), count - 1)
        return question.choices[index].id
    if question.type == "multi":
        picked = [c.id for c in question.choices if rng.random() < 0.45]
        return picked or [demo.choice(question.choices).id]
    if question.type == "number":
        assert question.minimum is not None and question.maximum is not None
        value = rng.uniform(question.minimum, question.maximum)
        return round(value) if question.integer else round(value, 1)
    return "ok"  # a required text question (none is shipped); demo answers carry no real text


def respond(
    demo: Demo, definition: Definition, person: Person, begun: datetime, *, event_id: int = 0
) -> Walk:
    """Answer question after question from ``begun``; stop midway now and then, or when ``now`` is reached."""
    free_text = person.has_consent
    row = SurveyResponse(
        pseudonym=person.pseudonym,
        survey=definition.name,
        version=definition.version,
        event_id=event_id,
        status="active",
        pending={},
        misses=0,
        free_text=free_text,
        language=person.language,
        country=person.country,
        sector=person.sector,
        started_at=begun,
        submitted_at=None,
    )
    walk, given, at = Walk(row), dict[str, Any](), begun
    current = first_open(definition, given, free_text)
    while current is not None:
        question = definition.question(current)
        assert question is not None
        demo.log(person, at, "out", "survey_question")
        answered = at + timedelta(seconds=demo.rng.randrange(6, 50))
        if answered >= demo.now or demo.chance(STOP_PER_QUESTION * (1.6 - person.mood)):
            break  # left at this question: the response was last touched when it was asked
        at = answered
        skip = not question.required and (question.type == "text" or demo.chance(0.07))
        value = None if skip else check_value(question, _value(demo, definition, question, person.mood))
        given[question.id] = value
        walk.answers.append(
            {"question": question.id, "value": {"value": value}, "skipped": skip, "answered_at": at}
        )
        person.seen.append(at)
        current = first_open(definition, given, free_text, after=current)
    row.current, row.updated_at = current, at
    if current is None:
        row.status, row.submitted_at = "submitted", at
        demo.log(person, at, "out", "survey_done")
    elif demo.chance(0.5) or at > demo.now - ACTIVE_WINDOW:  # tapped Pause (else just went away)
        row.status, row.updated_at = "paused", min(at + timedelta(seconds=15), demo.now)
        demo.log(person, row.updated_at, "out", "survey_paused")
    return walk


async def add_responses(
    session: AsyncSession, demo: Demo, definitions: Definitions, runs: list[EventRun]
) -> list[Walk]:
    """Evaluation responses of invited people and event forms of attendees; return them all."""
    evaluation, form = definitions.get(EVALUATION), definitions.get(EVENT_FEEDBACK_FORM)
    walks: list[Walk] = []
    invitations = []
    for person in demo.people:
        if person.invited_at is None or evaluation is None:
            continue
        invitations.append(
            {"pseudonym": person.pseudonym, "survey": EVALUATION, "invited_at": person.invited_at}
        )
        if demo.chance(0.5):
            delay = timedelta(seconds=30) if demo.chance(0.7) else timedelta(hours=demo.rng.uniform(2, 72))
            if person.invited_at + delay < demo.now:
                walks.append(respond(demo, evaluation, person, person.invited_at + delay))
    for run in runs:
        due = run.ends_at + timedelta(days=1)  # the events.feedback_due job, the day after
        for person in run.attendees if form is not None else []:
            begun = due + timedelta(minutes=math.floor(demo.rng.expovariate(1 / 90)))
            if begun < demo.now and demo.chance(0.55 + 0.2 * person.mood):
                assert form is not None
                walks.append(respond(demo, form, person, begun, event_id=run.id))
    if invitations:
        await bulk(session, SurveyInvitation, invitations)
    session.add_all(walk.row for walk in walks)
    await session.flush()
    answers = [{"response_id": w.row.id, **answer} for w in walks for answer in w.answers]
    if answers:
        await bulk(session, SurveyAnswer, answers)
    return walks
