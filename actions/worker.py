"""The jobs worker: claims due jobs, runs their handler, renews the lease, retries failures with backoff.

``interhub worker`` runs one; ``interhub run`` runs one beside the bot unless ``WORKER=off``. Several
workers, in one process or many, share the jobs table safely.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from actions.jobs import JobService, JobView
from core.notify import Notifier

if TYPE_CHECKING:
    from core.services import Services

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobContext:
    """What a job handler may use: the services and a way to reach people."""

    services: Services
    notifier: Notifier | None


JobHandler = Callable[[JobView, JobContext], Awaitable[None]]


class PermanentJobError(Exception):
    """A failure that retrying cannot fix: the job ends as failed at once."""


def worker_name() -> str:
    """A name unique to this worker: host, process and a random part."""
    return f"{socket.gethostname()[:24]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Worker:
    """Runs due jobs until stopped."""

    def __init__(
        self,
        jobs: JobService,
        handlers: Mapping[str, JobHandler],
        context: JobContext,
        *,
        name: str | None = None,
        lease: timedelta = timedelta(seconds=60),
        poll_interval: float = 1.0,
        batch: int = 10,
    ) -> None:
        self.jobs = jobs
        self.handlers = dict(handlers)
        self.context = context
        self.name = name or worker_name()
        self.lease = lease
        self.poll_interval = poll_interval
        self.batch = batch
        self._stopping = asyncio.Event()

    async def run_once(self) -> int:
        """Claim and run one batch of due jobs; return how many ran."""
        await self.jobs.give_up_exhausted()
        claimed = await self.jobs.claim_due(self.name, limit=self.batch, lease=self.lease)
        for job in claimed:
            await self._run(job)
        return len(claimed)

    async def run(self) -> None:
        """Work until ``stop``; a database hiccup is logged and retried, never fatal."""
        log.info("worker %s started", self.name)
        while not self._stopping.is_set():
            try:
                ran = await self.run_once()
            except Exception:
                log.exception("worker %s could not claim jobs", self.name)
                ran = 0
            if ran == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), self.poll_interval)
        log.info("worker %s stopped", self.name)

    def stop(self) -> None:
        """Finish the job in hand, then stop."""
        self._stopping.set()

    async def _run(self, job: JobView) -> None:
        handler = self.handlers.get(job.kind)
        if handler is None:
            log.error("job %d: no handler for kind %s", job.id, job.kind)
            await self.jobs.fail(job.id, self.name, f"no handler for kind {job.kind}", final=True)
            return
        heartbeat = asyncio.create_task(self._keep_lease(job.id))
        try:
            await handler(job, self.context)
        except Exception as error:
            final = isinstance(error, PermanentJobError)
            state = await self.jobs.fail(job.id, self.name, f"{type(error).__name__}: {error}", final=final)
            log.warning("job %d (%s) attempt %d failed; now %s", job.id, job.kind, job.attempts, state)
        else:
            if not await self.jobs.complete(job.id, self.name):
                log.warning("job %d finished after its lease was taken over", job.id)
        finally:
            heartbeat.cancel()

    async def _keep_lease(self, job_id: int) -> None:
        while True:
            await asyncio.sleep(self.lease.total_seconds() / 3)
            await self.jobs.extend(job_id, self.name, self.lease)
