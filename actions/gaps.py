"""What the knowledge base is missing: unanswered questions and 👎 votes, by country, topic and language."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import select

from actions.models import ArticleFeedback, MessageLog
from core.db import Database

QUESTION_INTENTS = ("ask_question", "nlu_fallback")


async def knowledge_gaps(db: Database, limit: int = 20) -> dict[str, Any]:
    """Unanswered questions grouped by (country, topic, language), and the most down-voted articles."""
    async with db.transaction() as session:
        unanswered = (
            await session.execute(
                select(MessageLog.country, MessageLog.topic, MessageLog.language, MessageLog.text).where(
                    MessageLog.direction == "in",
                    MessageLog.intent.in_(QUESTION_INTENTS),
                    MessageLog.answered.is_(False),
                )
            )
        ).all()
        votes = (
            await session.execute(
                select(
                    ArticleFeedback.article_id,
                    ArticleFeedback.language,
                    ArticleFeedback.vote,
                    ArticleFeedback.question,
                )
            )
        ).all()
    groups: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    counts: Counter[tuple[str, str, str]] = Counter()
    for country, topic, language, text in unanswered:
        key = (country or "?", topic or "?", language or "?")
        counts[key] += 1
        if text and len(groups[key]) < limit:
            groups[key].append(text)
    down: dict[tuple[str, str], dict[str, Any]] = {}
    for article_id, language, vote, question in votes:
        entry = down.setdefault((article_id, language), {"up": 0, "down": 0, "questions": []})
        entry["up" if vote > 0 else "down"] += 1
        if vote < 0 and question and len(entry["questions"]) < limit:
            entry["questions"].append(question)
    return {
        "unanswered": [
            {"country": c, "topic": t, "language": lang, "count": n, "examples": groups[(c, t, lang)]}
            for (c, t, lang), n in counts.most_common()
        ],
        "down_voted": [
            {"article": article, "language": lang, **entry}
            for (article, lang), entry in sorted(down.items(), key=lambda kv: -kv[1]["down"])
            if entry["down"]
        ],
    }
