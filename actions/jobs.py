"""Jobs: work to do later, kept in the database so it survives restarts and is shared between workers.

A job is claimed by one worker for a lease; a worker that dies loses the lease and another takes the job
over. PostgreSQL claims with ``FOR UPDATE SKIP LOCKED``; SQLite runs the claim as one UPDATE statement,
which its single writer lock makes atomic.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from actions.models import JOB_STATES, Job, aware, utcnow
from core.db import Database

#: Backoff after a failure: 30 s, 1 min, 2 min, … at most one hour.
BACKOFF_START, BACKOFF_MAX = timedelta(seconds=30), timedelta(hours=1)
ERROR_CHARS = 500


@dataclass(frozen=True)
class JobView:
    """A job as a handler sees it."""

    id: int
    kind: str
    payload: dict[str, Any]
    pseudonym: str | None
    due_at: datetime
    state: str
    attempts: int
    max_attempts: int
    last_error: str | None
    locked_by: str | None


def _view(job: Job) -> JobView:
    return JobView(
        id=job.id,
        kind=job.kind,
        payload=dict(job.payload or {}),
        pseudonym=job.pseudonym,
        due_at=aware(job.due_at),
        state=job.state,
        attempts=job.attempts,
        max_attempts=job.max_attempts,
        last_error=job.last_error,
        locked_by=job.locked_by,
    )


def backoff(attempts: int) -> timedelta:
    """How long to wait before the next attempt after ``attempts`` failures."""
    delay: timedelta = BACKOFF_START * 2 ** max(attempts - 1, 0)
    return min(delay, BACKOFF_MAX)


class JobService:
    """Schedule, cancel, claim and finish jobs."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def schedule(
        self,
        kind: str,
        payload: dict[str, Any] | None = None,
        *,
        due_at: datetime | None = None,
        pseudonym: str | None = None,
        dedupe_key: str | None = None,
        max_attempts: int = 5,
    ) -> int | None:
        """Add a job; with a ``dedupe_key`` already used, add nothing and return None."""
        job = Job(
            kind=kind,
            payload=payload or {},
            due_at=due_at or utcnow(),
            pseudonym=pseudonym,
            dedupe_key=dedupe_key,
            max_attempts=max_attempts,
            state="pending",
            attempts=0,
        )
        try:
            async with self.db.transaction() as session:
                session.add(job)
                await session.flush()
                return job.id
        except IntegrityError:
            if dedupe_key is None:
                raise
            return None

    async def cancel(self, job_id: int | None = None, *, dedupe_key: str | None = None) -> int:
        """Cancel pending jobs by id or dedupe key; return how many."""
        condition = Job.id == job_id if job_id is not None else Job.dedupe_key == dedupe_key
        async with self.db.transaction() as session:
            result = await session.execute(
                update(Job).where(condition, Job.state == "pending").values(state="cancelled")
            )
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def claim_due(self, worker: str, *, limit: int = 10, lease: timedelta) -> list[JobView]:
        """Take up to ``limit`` due jobs (and jobs whose worker's lease ran out) for this worker."""
        now = utcnow()
        claimable = or_(
            (Job.state == "pending") & (Job.due_at <= now),
            (Job.state == "running") & (Job.locked_until < now),
        )
        due = (
            select(Job.id)
            .where(claimable)
            .order_by(Job.due_at, Job.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        async with self.db.transaction() as session:
            # Select, then update, in one transaction: the selected rows stay locked (and skipped by other
            # workers) until commit. An UPDATE … WHERE id IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED) may
            # run its subquery more than once on PostgreSQL and take more (or other) rows than it locked.
            # SQLite has no row locks and reads before its write lock: the UPDATE checks again.
            ids = list(await session.scalars(due))
            if not ids:
                return []
            claimed = await session.scalars(
                update(Job)
                .where(Job.id.in_(ids), claimable)
                .values(
                    state="running",
                    locked_by=worker,
                    locked_until=now + lease,
                    attempts=Job.attempts + 1,
                )
                .returning(Job)
                .execution_options(synchronize_session=False)
            )
            return sorted((_view(job) for job in claimed), key=lambda job: (job.due_at, job.id))

    async def extend(self, job_id: int, worker: str, lease: timedelta) -> bool:
        """Renew the lease of a job this worker still holds."""
        async with self.db.transaction() as session:
            result = await session.execute(
                update(Job)
                .where(Job.id == job_id, Job.locked_by == worker, Job.state == "running")
                .values(locked_until=utcnow() + lease)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def complete(self, job_id: int, worker: str) -> bool:
        """Mark a job done, only if this worker still holds it; return whether it did."""
        async with self.db.transaction() as session:
            result = await session.execute(
                update(Job)
                .where(Job.id == job_id, Job.locked_by == worker, Job.state == "running")
                .values(state="done", finished_at=utcnow(), locked_until=None)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def fail(self, job_id: int, worker: str, error: str, *, final: bool = False) -> str | None:
        """Record a failure: retry later with backoff, or end as ``failed``; return the new state."""
        async with self.db.transaction() as session:
            job = await session.get(Job, job_id)
            if job is None or job.locked_by != worker or job.state != "running":
                return None
            job.last_error = error[:ERROR_CHARS]
            job.locked_until = None
            if final or job.attempts >= job.max_attempts:
                job.state, job.finished_at = "failed", utcnow()
            else:
                job.state, job.due_at = "pending", utcnow() + backoff(job.attempts)
            return job.state

    async def give_up_exhausted(self) -> int:
        """End as failed the jobs whose lease ran out after their last attempt (their worker died)."""
        async with self.db.transaction() as session:
            result = await session.execute(
                update(Job)
                .where(
                    Job.state == "running",
                    Job.locked_until < utcnow(),
                    Job.attempts >= Job.max_attempts,
                )
                .values(state="failed", finished_at=utcnow(), last_error="worker lost after the last attempt")
            )
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def list(self, state: str | None = None, limit: int = 200) -> list[JobView]:
        """Jobs, newest due first, optionally in one state."""
        if state is not None and state not in JOB_STATES:
            raise ValueError(f"unknown state {state!r}; use {', '.join(JOB_STATES)}")
        query = select(Job).order_by(Job.due_at.desc(), Job.id.desc()).limit(limit)
        if state is not None:
            query = query.where(Job.state == state)
        async with self.db.transaction() as session:
            return [_view(job) for job in await session.scalars(query)]

    async def counts(self) -> dict[str, int]:
        """How many jobs are in each state."""
        async with self.db.transaction() as session:
            rows = await session.execute(select(Job.state, func.count()).group_by(Job.state))
            return {state: int(count) for state, count in rows.all()}

    async def get(self, job_id: int) -> JobView | None:
        """One job."""
        async with self.db.transaction() as session:
            job = await session.get(Job, job_id)
            return None if job is None else _view(job)
