"""Questionnaire answers and privacy: free text goes when consent is withdrawn, and after 12 months."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from actions.models import SurveyAnswer, SurveyResponse, utcnow
from actions.surveys.definitions import Definitions
from actions.surveys.responses import answers_of, first_open


async def forget_free_text(session: AsyncSession, pseudonym: str, definitions: Definitions) -> None:
    """Consent withdrawn: delete free-text answers, country and sector; text questions are no longer asked."""
    rows = (await session.scalars(select(SurveyResponse).where(SurveyResponse.pseudonym == pseudonym))).all()
    for row in rows:
        definition = definitions.get(row.survey, row.version)
        text_ids = [q.id for q in definition.questions if q.type == "text"] if definition else []
        await session.execute(
            delete(SurveyAnswer).where(
                SurveyAnswer.response_id == row.id, SurveyAnswer.question.in_(text_ids)
            )
        )
        row.free_text, row.country, row.sector = False, None, None
        if definition is not None and row.status != "submitted" and row.current in text_ids:
            await session.flush()
            row.current = first_open(definition, await answers_of(session, row.id), False, after=row.current)
            if row.current is None:  # everything still asked is answered
                row.status, row.submitted_at = "submitted", utcnow()


async def purge_free_text(
    session: AsyncSession, before: datetime, definitions: Definitions, *, dry_run: bool = False
) -> int:
    """Retention: blank free-text answers given before ``before`` (as for question texts); return how many."""
    text_ids = {
        (d.name, d.version): [q.id for q in d.questions if q.type == "text"] for d in definitions.all()
    }
    old = []
    rows = await session.execute(
        select(SurveyAnswer, SurveyResponse.survey, SurveyResponse.version)
        .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .where(SurveyAnswer.answered_at < before, SurveyAnswer.skipped.is_(False))
    )
    for answer, survey, version in rows:
        if answer.question in text_ids.get((survey, version), []) and answer.value.get("value") is not None:
            old.append(answer)
    if not dry_run:
        for answer in old:
            answer.value = {"value": None}
    return len(old)
