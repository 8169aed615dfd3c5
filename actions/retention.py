"""Keeping the privacy notice's promises: question texts go after 12 months, unused profiles after 24.

Free-text questionnaire answers follow the question texts (12 months). Dashboard sign-in attempts (an
e-mail address typed and a client address) go after 15 minutes, even when nobody signs in to prune them.

A daily job (``privacy.retention``) runs ``purge``; ``interhub privacy purge [--dry-run]`` runs it now.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import delete, func, select, update

from actions.jobs import JobService, JobView
from actions.models import (
    ArticleFeedback,
    Job,
    LoginAttempt,
    MentoringRequest,
    MessageLog,
    Ticket,
    User,
    utcnow,
)
from actions.personal_data import ATTEMPTS_KEPT_FOR, Person, erase_person
from actions.surveys.definitions import shipped
from actions.surveys.privacy import purge_free_text
from actions.worker import JobContext
from core.db import Database

TEXTS_KEPT_FOR = timedelta(days=365)
PROFILES_KEPT_FOR = timedelta(days=730)
FINISHED_JOBS_KEPT_FOR = timedelta(days=30)
RETENTION_JOB = "privacy.retention"
RUN_AT = time(3, 0)  # UTC, when the bot is quiet


async def purge(db: Database, *, now: datetime | None = None, dry_run: bool = False) -> dict[str, int]:
    """Delete what has outlived its retention period; return counts per kind (nothing else)."""
    now = now or utcnow()
    texts_before, profiles_before = now - TEXTS_KEPT_FOR, now - PROFILES_KEPT_FOR
    text_rules = (
        ("question_texts", MessageLog, MessageLog.text, MessageLog.created_at),
        ("ticket_questions", Ticket, Ticket.question, Ticket.created_at),
        ("feedback_questions", ArticleFeedback, ArticleFeedback.question, ArticleFeedback.created_at),
        ("mentoring_needs", MentoringRequest, MentoringRequest.need, MentoringRequest.created_at),
    )
    counts: dict[str, int] = {}
    async with db.transaction() as session:
        for name, model, column, created in text_rules:
            old = (column.is_not(None), created < texts_before)
            counts[name] = int(await session.scalar(select(func.count()).select_from(model).where(*old)) or 0)
            if not dry_run:
                await session.execute(update(model).where(*old).values({column.key: None}))
        counts["questionnaire_texts"] = await purge_free_text(
            session, texts_before, shipped(), dry_run=dry_run
        )
        unused = (await session.scalars(select(User).where(User.last_seen_at < profiles_before))).all()
        counts["profiles"] = len(unused)
        if not dry_run:
            for user in unused:
                await erase_person(session, Person(user.id, user.telegram_id, user.pseudonym))
        finished = (
            Job.state.in_(("done", "failed", "cancelled")),
            Job.created_at < now - FINISHED_JOBS_KEPT_FOR,
        )
        counts["finished_jobs"] = int(
            await session.scalar(select(func.count()).select_from(Job).where(*finished)) or 0
        )
        if not dry_run:
            await session.execute(delete(Job).where(*finished))
        attempts = LoginAttempt.at < now - ATTEMPTS_KEPT_FOR
        counts["login_attempts"] = int(
            await session.scalar(select(func.count()).select_from(LoginAttempt).where(attempts)) or 0
        )
        if not dry_run:
            await session.execute(delete(LoginAttempt).where(attempts))
        if dry_run:
            await session.rollback()
    return counts


def next_run(after: datetime) -> datetime:
    """The next daily run time strictly after a moment."""
    candidate = datetime.combine(after.date(), RUN_AT, tzinfo=after.tzinfo)
    return candidate if candidate > after else candidate + timedelta(days=1)


async def ensure_scheduled(jobs: JobService, *, now: datetime | None = None) -> int | None:
    """Schedule the next daily run unless it is already there (one row per day, whatever the workers)."""
    due = next_run(now or utcnow())
    return await jobs.schedule(RETENTION_JOB, {}, due_at=due, dedupe_key=f"{RETENTION_JOB}:{due.date()}")


async def run_retention(job: JobView, context: JobContext) -> None:
    """The daily job: purge, then schedule the next run (after now, even if this one ran late)."""
    await purge(context.services.db)
    await ensure_scheduled(context.services.jobs)
