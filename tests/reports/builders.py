"""Hand-built report data: people and their rows, written straight into the tables with chosen dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import count
from typing import Any

from actions.models import (
    ArticleFeedback,
    Base,
    Broadcast,
    BroadcastOutbox,
    Enrolment,
    Event,
    MentoringRequest,
    MessageLog,
    SurveyAnswer,
    SurveyResponse,
    Ticket,
    User,
)
from core.db import Database

DAY = date(2026, 11, 2)  # a Monday
_ids = count(1)


def at(day: int, hour: int = 12) -> datetime:
    """``day`` days after DAY (a Monday), at ``hour`` UTC."""
    return datetime.combine(DAY, datetime.min.time(), tzinfo=UTC) + timedelta(days=day, hours=hour)


class World:
    """Collects rows and writes them in one transaction."""

    def __init__(self) -> None:
        self.rows: list[Base] = []

    def person(
        self,
        *,
        country: str | None = "IT",
        language: str = "it",
        sector: str | None = "food",
        forgotten: bool = False,
    ) -> str:
        """A person with a profile (no row at all when ``forgotten``); returns the pseudonym."""
        number = next(_ids)
        pseudonym = f"u_test{number:06d}"
        if not forgotten:
            self.rows.append(
                User(
                    pseudonym=pseudonym,
                    telegram_id=10_000 + number,
                    language=language,
                    country=country,
                    sector=sector,
                    consent_at=at(0) if sector or country else None,
                )
            )
        return pseudonym

    def people(self, n: int, **profile: Any) -> list[str]:
        """``n`` people with the same profile."""
        return [self.person(**profile) for _ in range(n)]

    def question(
        self,
        pseudonym: str,
        day: int,
        *,
        country: str | None = "IT",
        language: str = "it",
        topic: str | None = "finance",
        answered: bool = True,
        article: str | None = "it-e-invoice-sdi",
        confidence: float = 0.9,
        intent: str = "ask_question",
    ) -> None:
        """One free-text question (with the bot's outgoing reply)."""
        self.rows.append(
            MessageLog(
                pseudonym=pseudonym,
                direction="in",
                language=language,
                intent=intent,
                country=country,
                topic=topic,
                article_id=article if answered else None,
                answered=answered,
                confidence=confidence,
                created_at=at(day),
            )
        )
        self.rows.append(
            MessageLog(
                pseudonym=pseudonym,
                direction="out",
                language=language,
                intent="answer" if answered else "unsure",
                created_at=at(day, 13),
            )
        )

    def out(
        self, pseudonym: str, day: int, *, intent: str, subject: str | None = None, language: str = "it"
    ) -> None:
        """An outgoing message (a button's reply, an event card)."""
        self.rows.append(
            MessageLog(
                pseudonym=pseudonym,
                direction="out",
                language=language,
                intent=intent,
                article_id=subject,
                created_at=at(day),
            )
        )

    def ticket(
        self,
        pseudonym: str,
        day: int,
        *,
        country: str | None = "IT",
        language: str = "it",
        topic: str | None = "finance",
        answered_after: float | None = None,
    ) -> None:
        """A question handed to a coach, answered ``answered_after`` hours later (or open)."""
        self.rows.append(
            Ticket(
                pseudonym=pseudonym,
                question=None,
                language=language,
                country=country,
                topic=topic,
                status="open" if answered_after is None else "answered",
                created_at=at(day),
                answered_at=None if answered_after is None else at(day) + timedelta(hours=answered_after),
            )
        )

    def vote(self, pseudonym: str, day: int, article: str, vote: int, *, language: str = "it") -> None:
        """A 👍 (+1) or 👎 (−1)."""
        self.rows.append(
            ArticleFeedback(
                pseudonym=pseudonym, article_id=article, language=language, vote=vote, created_at=at(day)
            )
        )

    def event(self, event_id: int, day: int, *, country: str = "IT", status: str = "finished") -> int:
        """An event starting ``day``; returns its id."""
        self.rows.append(
            Event(
                id=event_id,
                title=f"Workshop {event_id}",
                language="en",
                starts_at=at(day, 17),
                ends_at=at(day, 19),
                timezone="Europe/Rome",
                country=country,
                city="Roma",
                status=status,
                organiser="coach",
            )
        )
        return event_id

    def enrol(
        self, event_id: int, pseudonym: str, status: str = "confirmed", *, seen_day: int | None = 0
    ) -> None:
        """A place at an event (shown the card on ``seen_day`` first, unless None)."""
        if seen_day is not None:
            self.out(pseudonym, seen_day, intent="event", subject=f"event:{event_id}")
        self.rows.append(
            Enrolment(
                event_id=event_id,
                pseudonym=pseudonym,
                status=status,
                waitlist_seq=1 if status == "waitlisted" else None,
            )
        )

    def response(
        self,
        pseudonym: str,
        day: int,
        answers: dict[str, Any],
        *,
        survey: str = "evaluation",
        event_id: int = 0,
        submitted: bool = True,
        current: str | None = None,
        language: str = "it",
        country: str | None = "IT",
        skipped: tuple[str, ...] = (),
    ) -> None:
        """A questionnaire response with its answers (``skipped`` ones stored as skipped)."""
        number = next(_ids)
        self.rows.append(
            SurveyResponse(
                id=number,
                pseudonym=pseudonym,
                survey=survey,
                version=1,
                event_id=event_id,
                status="submitted" if submitted else "paused",
                current=None if submitted else current,
                language=language,
                country=country,
                started_at=at(day),
                submitted_at=at(day, 13) if submitted else None,
            )
        )
        for question, value in answers.items():
            self.rows.append(
                SurveyAnswer(
                    response_id=number, question=question, value={"value": value}, answered_at=at(day)
                )
            )
        for question in skipped:
            self.rows.append(
                SurveyAnswer(
                    response_id=number,
                    question=question,
                    value={"value": None},
                    skipped=True,
                    answered_at=at(day),
                )
            )

    def mentoring(
        self,
        pseudonym: str,
        day: int,
        *,
        state: str = "requested",
        approved_after: float | None = None,
        proposals: int = 1,
        country: str = "IT",
        ended_day: int | None = None,
    ) -> None:
        """A mentoring request, handled ``approved_after`` hours later (approved, or declined by state)."""
        handled = None if approved_after is None else at(day) + timedelta(hours=approved_after)
        self.rows.append(
            MentoringRequest(
                pseudonym=pseudonym,
                sector="food",
                languages="it",
                country=country,
                availability="flexible",
                proposals={"ids": list(range(1, proposals + 1))},
                state=state,
                created_at=at(day),
                handled_at=handled,
                updated_at=at(ended_day) if ended_day is not None else (handled or at(day)),
            )
        )

    def broadcast(self, broadcast_id: int, day: int, outcomes: dict[str, list[str]]) -> None:
        """A broadcast confirmed on ``day``; ``outcomes`` maps an outbox state to its recipients."""
        self.rows.append(
            Broadcast(
                id=broadcast_id,
                text="Hello",
                language="en",
                state="done",
                confirmed_at=at(day),
                created_at=at(day),
            )
        )
        for state, people in outcomes.items():
            for pseudonym in people:
                self.rows.append(
                    BroadcastOutbox(
                        broadcast_id=broadcast_id,
                        pseudonym=pseudonym,
                        state=state,
                        sent_at=at(day, 14) if state == "sent" else None,
                    )
                )

    async def save(self, db: Database) -> None:
        """Write everything."""
        order = {table.name: n for n, table in enumerate(Base.metadata.sorted_tables)}
        async with db.transaction() as session:
            for row in sorted(self.rows, key=lambda r: order[r.__tablename__]):
                session.add(row)
                await session.flush()
        self.rows = []
