"""Message log for analytics: pseudonymous, with question text only under consent."""

from __future__ import annotations

from sqlalchemy import select

from actions.models import MessageLog, User
from core.db import Database


class MessageLogService:
    """Appends to the message log."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def record(
        self,
        telegram_id: int,
        *,
        direction: str,
        language: str | None,
        intent: str | None = None,
        text: str | None = None,
        country: str | None = None,
        topic: str | None = None,
        article_id: str | None = None,
        answered: bool | None = None,
        confidence: float | None = None,
    ) -> None:
        """Log one message; the text is dropped unless the person consented."""
        if direction not in ("in", "out"):
            raise ValueError(f"direction must be 'in' or 'out', not {direction!r}")
        async with self.db.transaction() as session:
            user = await session.scalar(select(User).where(User.telegram_id == telegram_id))
            if user is None:
                return
            session.add(
                MessageLog(
                    pseudonym=user.pseudonym,
                    direction=direction,
                    language=language,
                    intent=intent,
                    text=text if user.has_consent else None,
                    country=country,
                    topic=topic,
                    article_id=article_id,
                    answered=answered,
                    confidence=confidence,
                )
            )
