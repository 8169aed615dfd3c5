"""A worker process for the jobs tests: ``python -m tests.jobs_worker URL LOG NAME LEASE_SECONDS``.

Its handlers write to LOG (one line per event, appended atomically) so the test can count executions
across processes, including a process that is killed with SIGKILL in the middle of a job.
"""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import timedelta

from actions.jobs import JobService, JobView
from actions.worker import JobContext, Worker
from core.services import Services


def _log(path: str, line: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    try:
        os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)


async def main(url: str, log: str, name: str, lease: float) -> None:
    services = Services.from_url(url)

    async def record(job: JobView, context: JobContext) -> None:
        _log(log, f"ran {job.id} {name}")

    async def slow(job: JobView, context: JobContext) -> None:
        _log(log, f"start {job.id} {name} {job.attempts}")
        if job.attempts == 1:
            await asyncio.sleep(120)  # the test kills this process here
        _log(log, f"done {job.id} {name}")

    worker = Worker(
        JobService(services.db),
        {"test.record": record, "test.slow": slow},
        JobContext(services, None),
        name=name,
        lease=timedelta(seconds=lease),
        poll_interval=0.05,
        batch=5,
    )
    try:
        idle = 0
        while idle < 40:  # stop after about 2 s without work
            idle = 0 if await worker.run_once() else idle + 1
            if idle:
                await asyncio.sleep(0.05)
    finally:
        await services.db.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])))
