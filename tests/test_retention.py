"""Retention: question texts go after 12 months, unused profiles after 24, as the privacy notice says."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update

from actions.job_handlers import job_handlers
from actions.models import ArticleFeedback, LoginAttempt, MessageLog, Ticket, User, utcnow
from actions.retention import RETENTION_JOB, ensure_scheduled, next_run, purge
from actions.worker import JobContext, Worker
from core.services import Services

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


async def _age(services: Services, telegram_id: int, days: int) -> None:
    """Make everything of a person (and the person) ``days`` old."""
    then = NOW - timedelta(days=days)
    async with services.db.transaction() as session:
        user = await session.scalar(select(User).where(User.telegram_id == telegram_id))
        assert user is not None
        user.last_seen_at = then
        for model in (MessageLog, Ticket, ArticleFeedback):
            await session.execute(
                update(model).where(model.pseudonym == user.pseudonym).values(created_at=then)
            )


async def _person_with_history(services: Services, telegram_id: int, question: str) -> None:
    await services.users.give_consent(telegram_id)
    await services.log.record(
        telegram_id, direction="in", language="en", intent="ask_question", text=question
    )
    await services.tickets.open(telegram_id, question, language="en", country="IT", topic=None)
    await services.feedback.vote(
        telegram_id, "it-regime-forfettario", language="en", vote=1, question=question
    )


async def test_purge_blanks_old_texts_and_deletes_unused_profiles(services: Services) -> None:
    await _person_with_history(services, 1, "fresh question")
    await _person_with_history(services, 2, "old question")
    await _person_with_history(services, 3, "ancient question")
    await _age(services, 2, 400)  # texts older than 12 months, profile still used within 24
    await _age(services, 3, 800)  # unused for more than 24 months
    async with services.db.transaction() as session:
        await session.execute(update(User).where(User.telegram_id == 2).values(last_seen_at=NOW))

    preview = await purge(services.db, now=NOW, dry_run=True)
    counts = await purge(services.db, now=NOW)
    again = await purge(services.db, now=NOW)

    expected = {"question_texts": 2, "ticket_questions": 2, "feedback_questions": 2, "profiles": 1}
    assert {k: preview[k] for k in expected} == expected
    assert {k: counts[k] for k in expected} == expected
    assert {k: again[k] for k in expected} == dict.fromkeys(expected, 0)
    assert await services.users.find(3) is None
    kept = await services.users.export(1)
    aged = await services.users.export(2)
    assert kept["messages"][0]["text"] == "fresh question"
    assert aged["messages"][0]["text"] is None and aged["coach_questions"][0]["question"] is None
    assert aged["article_feedback"][0]["question"] is None


async def test_the_daily_job_runs_purge_and_schedules_the_next_day(services: Services) -> None:
    two_days_ago = utcnow() - timedelta(days=2)
    first = await ensure_scheduled(services.jobs, now=two_days_ago)  # as if the worker had been down
    duplicate = await ensure_scheduled(services.jobs, now=two_days_ago)
    worker = Worker(services.jobs, job_handlers(), JobContext(services, None), name="w")

    assert await worker.run_once() == 1
    listed = await services.jobs.list()
    assert duplicate is None
    assert [(j.kind, j.state) for j in listed] == [(RETENTION_JOB, "pending"), (RETENTION_JOB, "done")]
    assert first is not None and listed[0].due_at > utcnow()
    assert next_run(datetime(2026, 12, 3, 2, 0, tzinfo=UTC)) == datetime(2026, 12, 3, 3, 0, tzinfo=UTC)


async def test_sign_in_attempts_and_their_client_addresses_go_after_the_limits_window(
    services: Services,
) -> None:
    async with services.db.transaction() as session:
        for minutes, address in ((16, "203.0.113.7"), (14, "203.0.113.8"), (60 * 24, "203.0.113.9")):
            at = NOW - timedelta(minutes=minutes)
            session.add(LoginAttempt(email="x@example.org", address=address, succeeded=False, at=at))

    counts = await purge(services.db, now=NOW)

    async with services.db.transaction() as session:
        left = (await session.scalars(select(LoginAttempt.address))).all()
    assert (counts["login_attempts"], left) == (2, ["203.0.113.8"])


def test_privacy_purge_command_prints_counts_only(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "privacy", "purge", "--dry-run"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": url, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "would delete 0 question texts" in result.stdout
    assert "would delete 0 profiles" in result.stdout
