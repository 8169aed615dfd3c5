"""Sending broadcasts: any number of senders share the outbox; each row is sent once.

A sender claims a batch of queued rows for a lease (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; one atomic
UPDATE on SQLite), then for each row checks the person (still taking invitations, reachable), quiet hours
(21:00-08:00 in their country: held until 08:00), the weekly cap, the chat's and the bot's pace, marks the
row ``sending`` (committed) right before the request and records the result right after it.

Crash window: a sender killed between the request and recording its result leaves the row ``sending``
with a lease that runs out; ``reconcile`` puts it back in the queue and it is sent again. So at most the
rows whose request was in flight at the crash (one per sender, since a sender sends one at a time) may
arrive twice; rows claimed but not yet started are still ``queued`` and are re-sent without any
duplicate; nothing is missed.
"""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Callable
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, func, or_, select, update

from actions.broadcast_limiter import SharedLimiter
from actions.broadcasts import PENDING, BroadcastView, takes_invitations, view_of
from actions.events import COUNTRY_ZONES
from actions.models import Broadcast, BroadcastOutbox, User, aware, utcnow
from core.db import Database
from core.i18n import N_, translator
from core.notify import BroadcastLane, Button, Outcome, SendResult

log = logging.getLogger(__name__)

STOP_LABEL = N_("🔕 Stop invitations")
ENROL_LABEL = N_("✅ Enrol")
STOP_DATA = "bc:stop"
QUIET_FROM, QUIET_UNTIL = time(21), time(8)
DEFAULT_ZONE = "Europe/Berlin"  # the five countries share it; for people with no country stored
MAX_ATTEMPTS = 5  # 5xx and network errors; then the row is failed
WEEK = timedelta(days=7)
PRUNE_EVERY = 100  # rounds between clean-ups of the per-chat pace rows


def retry_delay(attempts: int) -> timedelta:
    """2 s, 4 s, 8 s … at most 5 minutes after the ``attempts``-th transient failure."""
    return min(timedelta(seconds=2 * 2 ** max(attempts - 1, 0)), timedelta(minutes=5))


def quiet_until(now: datetime, country: str | None) -> datetime | None:
    """The next 08:00 in the person's country if ``now`` is in their quiet hours, else None."""
    zone = ZoneInfo(COUNTRY_ZONES.get(country or "", DEFAULT_ZONE))
    local = now.astimezone(zone)
    if QUIET_UNTIL <= local.time() < QUIET_FROM:
        return None
    day = local.date() if local.time() < QUIET_UNTIL else local.date() + timedelta(days=1)
    return datetime.combine(day, QUIET_UNTIL, zone).astimezone(now.tzinfo)


def compose(broadcast: BroadcastView, lang: str | None) -> tuple[str, list[list[Button]]]:
    """The message one reader gets: the text in their language, Enrol for an event, Stop invitations."""
    _ = translator(lang or broadcast.language)
    buttons = [[Button(_(STOP_LABEL), STOP_DATA)]]
    if broadcast.event_id is not None:
        buttons.insert(0, [Button(_(ENROL_LABEL), f"ev:enrol:{broadcast.event_id}")])
    return html.escape(broadcast.text_for(lang), quote=False), buttons


class BroadcastSender:
    """One sender; run several (in one process or many) on the same database."""

    def __init__(
        self,
        db: Database,
        lane: BroadcastLane,
        limiter: SharedLimiter,
        *,
        name: str,
        max_per_week: int = 2,
        lease: timedelta = timedelta(seconds=60),
        batch: int = 10,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db, self.lane, self.limiter = db, lane, limiter
        self._rounds = 0
        self.name, self.max_per_week, self.lease, self.batch, self.clock = (
            name,
            max_per_week,
            lease,
            batch,
            clock,
        )

    async def run_once(self) -> int:
        """Reconcile lost rows, claim a batch and deliver it; return how many rows were claimed."""
        await self.reconcile()
        self._rounds += 1
        if self._rounds % PRUNE_EVERY == 0:
            await self.limiter.prune()
        rows = await self.claim()
        for index, row in enumerate(rows):
            if await self._deliver(row) == Outcome.RETRY_AFTER:
                await self._release([r.id for r in rows[index + 1 :]])
                break
        await self.finish_done()
        return len(rows)

    async def run_until_idle(self, *, idle_rounds: int = 3, poll: float = 0.2) -> None:
        """Work until nothing is claimable for a few rounds (used by the CLI and the tests)."""
        idle = 0
        while idle < idle_rounds:
            idle = 0 if await self.run_once() else idle + 1
            if idle:
                await asyncio.sleep(poll)

    async def reconcile(self) -> int:
        """Requeue rows left ``sending`` by a sender whose lease ran out (it died mid-request)."""
        async with self.db.transaction() as session:
            result = await session.execute(
                update(BroadcastOutbox)
                .where(BroadcastOutbox.state == "sending", BroadcastOutbox.locked_until < self.clock())
                .values(state="queued", locked_by=None, locked_until=None, reason="sender lost")
            )
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def claim(self) -> list[BroadcastOutbox]:
        """Lease up to ``batch`` due rows of broadcasts that are sending and not paused."""
        now = self.clock()
        due = (
            select(BroadcastOutbox.id)
            .join(Broadcast, Broadcast.id == BroadcastOutbox.broadcast_id)
            .where(
                BroadcastOutbox.state == "queued",
                BroadcastOutbox.due_at <= now,
                or_(BroadcastOutbox.locked_until.is_(None), BroadcastOutbox.locked_until < now),
                Broadcast.state == "sending",
                or_(Broadcast.paused_until.is_(None), Broadcast.paused_until <= now),
            )
            .order_by(BroadcastOutbox.due_at, BroadcastOutbox.id)
            .limit(self.batch)
            .with_for_update(skip_locked=True, of=BroadcastOutbox)
        )
        async with self.db.transaction() as session:
            # Two statements in one transaction: the rows stay locked (and skipped by others) until commit.
            ids = list(await session.scalars(due))
            if not ids:
                return []
            claimed = await session.scalars(
                update(BroadcastOutbox)
                .where(
                    BroadcastOutbox.id.in_(ids),
                    BroadcastOutbox.state == "queued",
                    or_(BroadcastOutbox.locked_until.is_(None), BroadcastOutbox.locked_until < now),
                )
                .values(locked_by=self.name, locked_until=now + self.lease)
                .returning(BroadcastOutbox)
                .execution_options(synchronize_session=False)
            )
            return sorted(claimed, key=lambda row: (aware(row.due_at), row.id))

    async def finish_done(self) -> int:
        """Mark done the sending broadcasts with nothing left to send."""
        left = exists().where(
            BroadcastOutbox.broadcast_id == Broadcast.id, BroadcastOutbox.state.in_(PENDING)
        )
        async with self.db.transaction() as session:
            result = await session.execute(
                update(Broadcast)
                .where(Broadcast.state == "sending", ~left)
                .values(state="done", finished_at=self.clock())
                .execution_options(synchronize_session=False)
            )
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def _deliver(self, row: BroadcastOutbox) -> Outcome | None:
        now = self.clock()
        async with self.db.transaction() as session:
            user = await session.scalar(
                select(User).where(User.pseudonym == row.pseudonym, takes_invitations())
            )
            broadcast = await session.get(Broadcast, row.broadcast_id)
            assert broadcast is not None
            recent = await session.scalar(
                select(func.count()).where(
                    BroadcastOutbox.pseudonym == row.pseudonym,
                    BroadcastOutbox.state.in_(("sent", "sending")),
                    BroadcastOutbox.sent_at >= now - WEEK,
                )
            )
        if user is None:
            return await self._finish(row, "skipped", "no longer takes invitations")
        if user.blocked:
            return await self._finish(row, "skipped", "blocked by staff")
        if user.unreachable_at is not None:
            return await self._finish(row, "unreachable", "unreachable before sending")
        held = quiet_until(now, user.country)
        if held is not None:
            await self._release([row.id], due_at=held)
            return None
        if int(recent or 0) >= self.max_per_week:
            return await self._finish(row, "skipped", "weekly cap")
        if not await self.limiter.take_chat(row.pseudonym):
            await self._release([row.id], due_at=now + timedelta(seconds=1))
            return None
        slot = await self.limiter.reserve()
        await asyncio.sleep(max(0.0, slot - self.limiter.wall()))
        if not await self._begin(row):
            await self._release([row.id])
            return None
        text, buttons = compose(view_of(broadcast), user.language)
        result = await self.lane.send_broadcast(row.pseudonym, text, buttons)
        await self._record(row, result)
        return result.outcome

    async def _begin(self, row: BroadcastOutbox) -> bool:
        """Mark the row in flight, only while its broadcast is still sending and the lease is ours."""
        now = self.clock()
        active = exists().where(
            Broadcast.id == row.broadcast_id,
            Broadcast.state == "sending",
            or_(Broadcast.paused_until.is_(None), Broadcast.paused_until <= now),
        )
        async with self.db.transaction() as session:
            result = await session.execute(
                update(BroadcastOutbox)
                .where(
                    BroadcastOutbox.id == row.id,
                    BroadcastOutbox.state == "queued",
                    BroadcastOutbox.locked_by == self.name,
                    active,
                )
                .values(
                    state="sending",
                    sent_at=now,
                    attempts=BroadcastOutbox.attempts + 1,
                    locked_until=now + self.lease,
                )
                .execution_options(synchronize_session=False)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def _record(self, row: BroadcastOutbox, result: SendResult) -> None:
        now = self.clock()
        mine = and_(
            BroadcastOutbox.id == row.id,
            BroadcastOutbox.locked_by == self.name,
            BroadcastOutbox.state == "sending",
        )
        values: dict[str, object] = {"locked_by": None, "locked_until": None}
        if result.outcome == Outcome.SENT:
            values.update(state="sent", sent_at=now, reason=None)
        elif result.outcome == Outcome.UNREACHABLE:
            values.update(state="unreachable", sent_at=None, reason=result.error)
        elif result.outcome == Outcome.REJECTED:
            values.update(state="failed", sent_at=None, reason=result.error)
        elif result.outcome == Outcome.RETRY_AFTER:
            # Not the person's fault: the attempt does not count, the whole broadcast waits.
            values.update(state="queued", sent_at=None, due_at=now, attempts=BroadcastOutbox.attempts - 1)
        else:
            attempts = row.attempts + 1
            if attempts >= MAX_ATTEMPTS:
                values.update(state="failed", sent_at=None, reason=result.error)
            else:
                values.update(state="queued", sent_at=None, due_at=now + retry_delay(attempts))
        async with self.db.transaction() as session:
            await session.execute(
                update(BroadcastOutbox)
                .where(mine)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            if result.outcome == Outcome.UNREACHABLE:
                await session.execute(
                    update(User)
                    .where(User.pseudonym == row.pseudonym, User.unreachable_at.is_(None))
                    .values(unreachable_at=now)
                )
            if result.outcome == Outcome.RETRY_AFTER:
                pause = now + timedelta(seconds=result.retry_after)
                await session.execute(
                    update(Broadcast).where(Broadcast.id == row.broadcast_id).values(paused_until=pause)
                )
        if result.outcome == Outcome.RETRY_AFTER:
            await self.limiter.hold(result.retry_after)
            log.warning("broadcast %d: 429, pausing %.0f s", row.broadcast_id, result.retry_after)

    async def _finish(self, row: BroadcastOutbox, state: str, reason: str) -> Outcome | None:
        async with self.db.transaction() as session:
            await session.execute(
                update(BroadcastOutbox)
                .where(BroadcastOutbox.id == row.id, BroadcastOutbox.locked_by == self.name)
                .values(state=state, reason=reason, locked_by=None, locked_until=None)
            )
        return None

    async def _release(self, ids: list[int], *, due_at: datetime | None = None) -> None:
        if not ids:
            return
        values: dict[str, object] = {"locked_by": None, "locked_until": None}
        if due_at is not None:
            values["due_at"] = due_at
        async with self.db.transaction() as session:
            await session.execute(
                update(BroadcastOutbox)
                .where(
                    BroadcastOutbox.id.in_(ids),
                    BroadcastOutbox.locked_by == self.name,
                    BroadcastOutbox.state == "queued",
                )
                .values(**values)
            )
