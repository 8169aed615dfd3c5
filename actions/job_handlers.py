"""Which handler runs each kind of job. Features that schedule jobs add their kinds here."""

from __future__ import annotations

from actions.broadcast_progress import PROGRESS_JOB_HANDLERS
from actions.event_jobs import EVENT_JOB_HANDLERS
from actions.mentoring_jobs import MENTORING_JOB_HANDLERS
from actions.retention import RETENTION_JOB, ensure_scheduled, run_retention
from actions.worker import JobHandler
from core.services import Services


def job_handlers() -> dict[str, JobHandler]:
    """Every job kind InterHub knows, with its handler."""
    return {
        RETENTION_JOB: run_retention,
        **EVENT_JOB_HANDLERS,
        **MENTORING_JOB_HANDLERS,
        **PROGRESS_JOB_HANDLERS,
    }


async def schedule_recurring(services: Services) -> None:
    """Make sure the recurring jobs have their next run (idempotent across workers and restarts)."""
    await ensure_scheduled(services.jobs)
