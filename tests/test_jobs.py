"""Jobs: scheduling, claiming, leases, retries and the worker, on SQLite and PostgreSQL; several processes."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from actions.jobs import JobView, backoff
from actions.models import utcnow
from actions.worker import JobContext, PermanentJobError, Worker
from core.services import Services

ROOT = Path(__file__).resolve().parents[1]
LEASE = timedelta(seconds=30)


async def test_due_jobs_are_claimed_once_and_future_ones_wait(services: Services) -> None:
    jobs = services.jobs
    now_id = await jobs.schedule("test.a", {"n": 1})
    await jobs.schedule("test.a", {"n": 2}, due_at=utcnow() + timedelta(hours=1))

    first = await jobs.claim_due("w1", lease=LEASE)
    second = await jobs.claim_due("w2", lease=LEASE)

    assert [job.id for job in first] == [now_id]
    assert first[0].payload == {"n": 1} and first[0].attempts == 1 and first[0].locked_by == "w1"
    assert second == []
    assert await jobs.complete(now_id, "w2") is False  # not the holder
    assert await jobs.complete(now_id, "w1") is True
    assert (await jobs.get(now_id)).state == "done"  # type: ignore[union-attr]


async def test_a_dedupe_key_schedules_once_and_cancel_stops_a_job(services: Services) -> None:
    jobs = services.jobs
    first = await jobs.schedule("test.a", dedupe_key="reminder:1:24h")
    again = await jobs.schedule("test.a", dedupe_key="reminder:1:24h")

    assert first is not None and again is None
    assert await jobs.cancel(dedupe_key="reminder:1:24h") == 1
    assert await jobs.claim_due("w1", lease=LEASE) == []
    assert await jobs.counts() == {"cancelled": 1}


async def test_an_expired_lease_is_taken_over_and_the_old_holder_cannot_finish(services: Services) -> None:
    jobs = services.jobs
    job_id = await jobs.schedule("test.a")
    await jobs.claim_due("dead", lease=timedelta(seconds=-1))

    taken = await jobs.claim_due("alive", lease=LEASE)

    assert [job.id for job in taken] == [job_id] and taken[0].attempts == 2
    assert await jobs.complete(job_id, "dead") is False
    assert await jobs.complete(job_id, "alive") is True


async def test_failures_retry_with_backoff_then_end_as_failed(services: Services) -> None:
    jobs = services.jobs
    calls: list[int] = []

    async def flaky(job: JobView, context: JobContext) -> None:
        calls.append(job.attempts)
        raise RuntimeError("provider down")

    job_id = await jobs.schedule("test.flaky", max_attempts=2)
    worker = Worker(jobs, {"test.flaky": flaky}, JobContext(services, None), name="w")
    await worker.run_once()
    after_one = await jobs.get(job_id)
    assert after_one is not None and after_one.state == "pending"
    assert after_one.due_at > utcnow() + timedelta(seconds=20)  # backoff, not at once
    await services.jobs.schedule("test.noop")  # other work does not unblock the backed-off job
    async with services.db.transaction() as session:
        from actions.models import Job

        row = await session.get(Job, job_id)
        assert row is not None
        row.due_at = utcnow()  # let time pass
    await worker.run_once()

    final = await jobs.get(job_id)
    assert calls == [1, 2]
    assert final is not None and final.state == "failed" and final.last_error == "RuntimeError: provider down"
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 12)] == [30, 60, 120, 3600]


async def test_a_permanent_error_or_an_unknown_kind_fails_at_once(services: Services) -> None:
    async def broken(job: JobView, context: JobContext) -> None:
        raise PermanentJobError("the event was deleted")

    first = await services.jobs.schedule("test.broken")
    second = await services.jobs.schedule("test.unknown")
    worker = Worker(services.jobs, {"test.broken": broken}, JobContext(services, None), name="w")
    await worker.run_once()

    states = [(await services.jobs.get(i)).state for i in (first, second)]  # type: ignore[union-attr, arg-type]
    assert states == ["failed", "failed"]


async def test_the_worker_runs_until_stopped(services: Services) -> None:
    ran: list[int] = []

    async def record(job: JobView, context: JobContext) -> None:
        ran.append(job.id)

    ids = [await services.jobs.schedule("test.record") for _ in range(3)]
    worker = Worker(services.jobs, {"test.record": record}, JobContext(services, None), poll_interval=0.01)
    task = asyncio.create_task(worker.run())
    for _ in range(200):
        if len(ran) == 3:
            break
        await asyncio.sleep(0.01)
    worker.stop()
    await asyncio.wait_for(task, 5)

    assert ran == ids


def _start(url: str, log: Path, name: str, lease: float) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.jobs_worker", url, str(log), name, str(lease)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def _lines(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


@pytest.mark.postgres
async def test_two_worker_processes_run_500_jobs_each_exactly_once(postgres_url: str, tmp_path: Path) -> None:
    services = Services.from_url(postgres_url)
    try:
        await _truncate_jobs(services)
        ids = [await services.jobs.schedule("test.record", {"n": n}) for n in range(500)]
        log = tmp_path / "runs.log"
        workers = [_start(postgres_url, log, f"w{n}", 30) for n in (1, 2)]
        for process in workers:
            assert process.wait(timeout=120) == 0
        runs = Counter(int(line.split()[1]) for line in _lines(log))
        by_worker = Counter(line.split()[2] for line in _lines(log))

        assert sorted(runs) == sorted(ids)
        assert set(runs.values()) == {1}
        assert await services.jobs.counts() == {"done": 500}
        assert by_worker["w1"] > 0 and by_worker["w2"] > 0  # both took part
    finally:
        await services.db.dispose()


@pytest.mark.postgres
async def test_a_job_held_by_a_killed_worker_is_taken_over_and_completes_once(
    postgres_url: str, tmp_path: Path
) -> None:
    services = Services.from_url(postgres_url)
    try:
        await _truncate_jobs(services)
        job_id = await services.jobs.schedule("test.slow")
        log = tmp_path / "runs.log"
        doomed = _start(postgres_url, log, "doomed", 2)
        deadline = time.monotonic() + 60
        while not any(line.startswith("start") for line in _lines(log)):
            assert time.monotonic() < deadline and doomed.poll() is None
            await asyncio.sleep(0.05)
        os.kill(doomed.pid, signal.SIGKILL)
        doomed.wait(timeout=10)
        survivor = _start(postgres_url, log, "survivor", 2)
        assert survivor.wait(timeout=60) == 0

        job = await services.jobs.get(job_id)  # type: ignore[arg-type]
        assert [line for line in _lines(log) if line.startswith("done")] == [f"done {job_id} survivor"]
        assert job is not None and job.state == "done" and job.attempts == 2
    finally:
        await services.db.dispose()


async def _truncate_jobs(services: Services) -> None:
    from sqlalchemy import text

    async with services.db.transaction() as session:
        await session.execute(text("delete from jobs"))
