"""Hand-built report data: people and their rows, written straight into the tables with chosen dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import count
from typing import Any

from actions.models import (
    ArticleFeedback,
    Base,
    MessageLog,
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

    async def save(self, db: Database) -> None:
        """Write everything."""
        async with db.transaction() as session:
            session.add_all(self.rows)
        self.rows = []
