"""Where each page's rows come from, written once: which column is the person, the moment, the country.

Country is the country a row is about (the question's, the event's, the article's), else the person's
profile country, else ``unknown``; language likewise; sector always from the profile (``users``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, case, func, literal, or_
from sqlalchemy.orm import aliased

from actions.models import (
    COUNTRIES,
    ArticleFeedback,
    Broadcast,
    BroadcastOutbox,
    Enrolment,
    Event,
    MentoringRequest,
    MessageLog,
    SurveyAnswer,
    SurveyResponse,
    Ticket,
)
from actions.reports.query import Expr, Source, source
from actions.surveys.definitions import Definition

#: The intents of a free-text question (as ``actions.gaps`` counts them).
QUESTION_INTENTS = ("ask_question", "nlu_fallback")


def messages() -> Source:
    """The message log: every message in or out."""
    return source(
        MessageLog.__table__,
        MessageLog.pseudonym,
        MessageLog.created_at,
        country=MessageLog.country,
        language=MessageLog.language,
    )


def is_question() -> ColumnElement[bool]:
    """A person's free-text question (an incoming message the answerer handled)."""
    return (MessageLog.direction == "in") & MessageLog.intent.in_(QUESTION_INTENTS)


def tickets() -> Source:
    """Questions handed over to a coach."""
    return source(
        Ticket.__table__,
        Ticket.pseudonym,
        Ticket.created_at,
        country=Ticket.country,
        language=Ticket.language,
    )


def article_country() -> Expr:
    """The country of an article from its id (``it-…`` → IT); EU-wide articles have none."""
    prefix = func.upper(func.substr(ArticleFeedback.article_id, 1, 2))
    national = func.substr(ArticleFeedback.article_id, 3, 1) == "-"
    return case((national & prefix.in_(COUNTRIES), prefix), else_=literal(None))


def votes() -> Source:
    """👍 / 👎 on articles, at the time of the (last) vote."""
    return source(
        ArticleFeedback.__table__,
        ArticleFeedback.pseudonym,
        ArticleFeedback.created_at,
        country=article_country(),
        language=ArticleFeedback.language,
    )


def answers() -> Source:
    """Questionnaire answers with their response, at the time of the answer."""
    return source(
        SurveyAnswer.__table__.join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id),
        SurveyResponse.pseudonym,
        SurveyAnswer.answered_at,
        country=SurveyResponse.country,
        language=SurveyResponse.language,
    )


def responses() -> Source:
    """Questionnaire responses, at the time they were started."""
    return source(
        SurveyResponse.__table__,
        SurveyResponse.pseudonym,
        SurveyResponse.started_at,
        country=SurveyResponse.country,
        language=SurveyResponse.language,
    )


def nps_answers(definitions: list[Definition]) -> ColumnElement[bool]:
    """Answers to the NPS question of any of these questionnaires, not skipped."""
    return or_(
        *[
            (SurveyResponse.survey == d.name)
            & (SurveyResponse.version == d.version)
            & (SurveyAnswer.question == d.nps)
            for d in definitions
            if d.nps
        ],
    ) & SurveyAnswer.skipped.is_(False)


def enrolments() -> Source:
    """Places at events, dated and placed by their event; language from the person's profile."""
    return source(
        Enrolment.__table__.join(Event, Event.id == Enrolment.event_id),
        Enrolment.pseudonym,
        Event.starts_at,
        country=Event.country,
        language=None,
    )


INVITED_EVENT = aliased(Event, name="invited_event")


def invitations() -> Source:
    """Event cards shown to people (``subject`` ``event:<id>`` in the log), placed by their event."""
    subject = literal("event:") + func.cast(INVITED_EVENT.id, MessageLog.article_id.type)
    return source(
        MessageLog.__table__.join(
            INVITED_EVENT, (MessageLog.article_id == subject) & (MessageLog.direction == "out")
        ),
        MessageLog.pseudonym,
        INVITED_EVENT.starts_at,
        country=INVITED_EVENT.country,
        language=MessageLog.language,
    )


def evaluations() -> Source:
    """Event feedback forms, placed by their event."""
    return source(
        SurveyResponse.__table__.join(Event, Event.id == SurveyResponse.event_id),
        SurveyResponse.pseudonym,
        Event.starts_at,
        country=Event.country,
        language=SurveyResponse.language,
    )


def mentoring() -> Source:
    """Mentoring requests, at the time they were made."""
    return source(
        MentoringRequest.__table__,
        MentoringRequest.pseudonym,
        MentoringRequest.created_at,
        country=MentoringRequest.country,
        language=None,
    )


def outbox(extra: Any = None) -> Source:
    """Broadcast recipients, dated by the broadcast's confirmation, placed by their profile;
    ``extra`` (a subquery with an ``id`` column) is outer-joined on the outbox row."""
    table = BroadcastOutbox.__table__.join(Broadcast, Broadcast.id == BroadcastOutbox.broadcast_id)
    if extra is not None:
        table = table.outerjoin(extra, extra.c.id == BroadcastOutbox.id)
    return source(
        table,
        BroadcastOutbox.pseudonym,
        Broadcast.confirmed_at,
        country=None,
        language=None,
    )
