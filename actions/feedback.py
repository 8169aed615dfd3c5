"""👍 / 👎 on articles, stored per article and language."""

from __future__ import annotations

from sqlalchemy import select

from actions.models import ArticleFeedback, User, utcnow
from core.db import Database


class FeedbackService:
    """Records one vote per person and article (a new vote replaces the old one)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def vote(
        self, telegram_id: int, article_id: str, *, language: str, vote: int, question: str | None
    ) -> None:
        """Store a vote; the question text is kept only with consent."""
        if vote not in (1, -1):
            raise ValueError("vote must be +1 or -1")
        async with self.db.transaction() as session:
            user = await session.scalar(select(User).where(User.telegram_id == telegram_id))
            if user is None:
                return
            row = await session.get(ArticleFeedback, (user.pseudonym, article_id))
            if row is None:
                row = ArticleFeedback(pseudonym=user.pseudonym, article_id=article_id)
                session.add(row)
            row.language = language
            row.vote = vote
            row.question = question if user.has_consent else None
            row.created_at = utcnow()
