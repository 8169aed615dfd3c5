"""Demo activity for the partner dashboard (``interhub db seed --demo``): a few months of pseudonymous use.

About 800 people in every country and UI language ask questions (answered from real articles, or not),
vote, hand questions to coaches, enrol in events and attend them, ask for mentors, answer the evaluation
questionnaire and receive two broadcasts. Rows are written the way the services write them, in one
transaction marked ``demo_activity`` in the ``seeded`` table (so a second run adds nothing), with bulk
inserts. Deterministic: a fixed seed, times relative to ``now``.

Nobody real is ever messaged: demo Telegram ids start at ``DEMO_TELEGRAM_BASE`` (a range Telegram does not
issue) and every demo person is unreachable — ``unreachable_at`` is the moment a broadcast found them so,
or else the moment of seeding. No names; question texts only for consenting people, taken from the
articles' own sample questions; no free text in tickets' answers, mentoring needs or questionnaires.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from time import perf_counter
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from actions.models import ArticleFeedback, MessageLog, Seeded, Ticket, User, utcnow
from actions.seed_activity_base import DEMO_TELEGRAM_BASE, SEED, Demo, Person, bulk, make_people
from actions.seed_activity_events import add_events
from actions.seed_activity_outreach import add_broadcasts, add_mentoring
from actions.seed_activity_questions import QUESTION_INTENTS, Conversations, Library, converse
from actions.seed_activity_surveys import add_responses
from actions.surveys.definitions import Definitions, shipped
from core.db import Database
from knowledge.base import Thresholds
from knowledge.loader import load_articles
from knowledge.models import Article

MARKER = "demo_activity"
PEOPLE = 800

__all__ = ["DEMO_TELEGRAM_BASE", "MARKER", "PEOPLE", "ActivitySummary", "seed_activity"]


@dataclass(frozen=True)
class ActivitySummary:
    """What one run added, and how long it took."""

    people: int
    questions: int
    messages: int
    votes: int
    tickets: int
    events: int
    enrolments: int
    mentoring: int
    responses: int
    broadcasts: int
    outbox: int
    seconds: float

    def line(self) -> str:
        """The one-line summary ``interhub db seed --demo`` prints."""
        return (
            f"demo activity added in {self.seconds:.1f} s: {self.people} people, {self.questions} questions "
            f"({self.messages} messages), {self.votes} votes, {self.tickets} tickets, {self.events} events "
            f"with {self.enrolments} enrolments, {self.mentoring} mentoring requests, {self.responses} "
            f"questionnaire responses, {self.broadcasts} broadcasts to {self.outbox} people"
        )


async def seed_activity(
    db: Database,
    *,
    now: datetime | None = None,
    people: int = PEOPLE,
    articles: list[Article] | None = None,
    definitions: Definitions | None = None,
) -> ActivitySummary | None:
    """Add the demo activity once, ending at ``now``; None when it is already there.

    Run after ``seed_demo`` (the mentors it adds get the mentoring requests).
    """
    started = perf_counter()
    now = now or utcnow()
    async with db.transaction() as session:
        if await session.get(Seeded, MARKER) is not None:
            return None
        session.add(Seeded(name=MARKER, at=now))
        await session.flush()  # a concurrent second run stops here, on the marker's key
        demo = Demo(random.Random(SEED), now)
        make_people(demo, people)
        library = Library.build(
            demo, articles if articles is not None else load_articles(), Thresholds.load()
        )
        talk = Conversations()
        for person in demo.people:
            converse(demo, library, person, talk)
        runs = await add_events(session, demo)
        requests = await add_mentoring(session, demo)
        walks = await add_responses(session, demo, definitions or shipped(), runs)
        unreachable: dict[str, datetime] = {}
        outbox = await add_broadcasts(session, demo, runs, unreachable)
        await _write(session, demo, talk, unreachable)
        questions = sum(
            1 for m in demo.messages if m["direction"] == "in" and m["intent"] in QUESTION_INTENTS
        )
        summary = ActivitySummary(
            people=len(demo.people),
            questions=questions,
            messages=len(demo.messages),
            votes=len(talk.votes),
            tickets=len(talk.tickets),
            events=len(runs),
            enrolments=sum(len(r.enrolled_at) for r in runs),
            mentoring=len(requests),
            responses=len(walks),
            broadcasts=len(outbox),
            outbox=sum(outbox),
            seconds=0.0,
        )
    return replace(summary, seconds=perf_counter() - started)  # committed


async def _write(
    session: AsyncSession, demo: Demo, talk: Conversations, unreachable: dict[str, datetime]
) -> None:
    """The people, the message log, the votes and the tickets, in bulk."""
    await bulk(session, User, [_user(demo, p, unreachable) for p in demo.people])
    for row in demo.messages:
        row["created_at"] = min(row["created_at"], demo.now)
    await bulk(session, MessageLog, demo.messages)
    if talk.votes:
        await bulk(session, ArticleFeedback, list(talk.votes.values()))
    if talk.tickets:
        await bulk(session, Ticket, talk.tickets)


def _user(demo: Demo, person: Person, unreachable: dict[str, datetime]) -> dict[str, Any]:
    agreed = person.joined + timedelta(seconds=25)
    return {
        "pseudonym": person.pseudonym,
        "telegram_id": person.telegram_id,
        "language": person.language,
        "country": person.country,
        "sector": person.sector,
        "consent_at": agreed if person.consent == "given" else None,
        "consent_declined_at": agreed if person.consent == "declined" else None,
        "blocked": False,
        "unreachable_at": unreachable.get(person.pseudonym, demo.now),
        "invitations": person.invitations,
        "created_at": person.joined,
        "last_seen_at": min(max([person.joined, *person.seen]), demo.now),
    }
