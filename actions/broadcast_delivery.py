"""Sending broadcasts: any number of senders share the outbox; each row is sent once.

A sender claims a batch of queued rows for a lease (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; the writer
lock on SQLite) and reads once for the batch the people (still taking invitations, reachable), the weekly cap
and their country's quiet hours (21:00-08:00: held until 08:00). Two pipelines then send the batch; each
sends one message at a time and prepares the next while the current one goes out. Preparing is one commit:
take the chat's and a bot permit (``actions.broadcast_limiter``) and mark the row ``sending``. Just before the
permit's moment a second commit marks it ``departed`` and the lane sends; a third records the result and
gives the permits back.

Crash window: a row goes ``queued`` → ``sending`` (prepared, its permit taken) → ``departed`` (committed
just before the request leaves) → its result. A sender killed before ``departed`` leaves the row ``sending``;
once its lease runs out ``reconcile`` puts it back in the queue: the request never left, so this is its first
delivery. A row left ``departed`` had its request on the way: ``reconcile`` records it as sent, reason
"unconfirmed", and does not send it again. So a kill duplicates nothing; it loses a message only if it came
in the moment between the ``departed`` commit and the request's bytes leaving (building the HTTP request:
about a millisecond), or if the answer it never read was an error. The Bot API has no idempotency key and no
way to read back what a chat received, so one of the two (a duplicate or a loss) is always possible; we keep
the window on the side of a loss and as short as the HTTP client allows.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, func, or_, select, update

from actions.broadcast_limiter import Permit, SharedLimiter
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
DEPART_LEAD = 0.005  # seconds before its permit's moment that a row is marked departed (about one commit)


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


def refused(user: User | None, recent: int, cap: int) -> tuple[str, str] | None:
    """Why a row is not to be sent at all (its final state and reason), or None."""
    if user is None:
        return "skipped", "no longer takes invitations"
    if user.blocked:
        return "skipped", "blocked by staff"
    if user.unreachable_at is not None:
        return "unreachable", "unreachable before sending"
    if recent >= cap:
        return "skipped", "weekly cap"
    return None


def compose(broadcast: BroadcastView, lang: str | None) -> tuple[str, list[list[Button]]]:
    """The message one reader gets: the text in their language, Enrol for an event, Stop invitations."""
    _ = translator(lang or broadcast.language)
    buttons = [[Button(_(STOP_LABEL), STOP_DATA)]]
    if broadcast.event_id is not None:
        buttons.insert(0, [Button(_(ENROL_LABEL), f"ev:enrol:{broadcast.event_id}")])
    text = broadcast.text_for(lang)
    return (text if broadcast.is_html else html.escape(text, quote=False)), buttons


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
        parallel: int = 2,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db, self.lane, self.limiter, self.parallel = db, lane, limiter, parallel
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
        if rows:
            await self.lane.prepare([row.pseudonym for row in rows])
            await self._deliver(rows, await self._read(rows))
        await self.finish_done()
        return len(rows)

    async def _deliver(self, rows: list[BroadcastOutbox], batch: _Batch) -> None:
        """Send the rows through ``parallel`` pipelines; stop all at a 429 and put back what is left."""
        queue, stop = rows[::-1], asyncio.Event()
        await asyncio.gather(*(self._pipeline(queue, batch, stop) for _ in range(self.parallel)))
        await self._release([row.id for row in queue])

    async def _pipeline(self, queue: list[BroadcastOutbox], batch: _Batch, stop: asyncio.Event) -> None:
        """Send rows one at a time, preparing the next one while the current one goes out."""
        ahead: asyncio.Task[_Ready | None] | None = None
        try:
            while ahead is not None or (queue and not stop.is_set()):
                ready = await (ahead if ahead is not None else self._prepare(queue.pop(), batch))
                ahead = None
                if stop.is_set():  # a 429 meanwhile: this one waits with the rest
                    await self._undo(ready)
                    return
                if queue:
                    ahead = asyncio.create_task(self._prepare(queue.pop(), batch))
                if ready is not None:
                    await self._send(ready, stop)
        finally:
            if ahead is not None:  # an error: the row it marked (if any) comes back after the lease
                ahead.cancel()
                with contextlib.suppress(BaseException):
                    await ahead

    async def run_until_idle(self, *, idle_rounds: int = 3, poll: float = 0.2) -> None:
        """Work until nothing is claimable for a few rounds (used by the CLI and the tests)."""
        idle = 0
        while idle < idle_rounds:
            idle = 0 if await self.run_once() else idle + 1
            if idle:
                await asyncio.sleep(poll)

    async def reconcile(self) -> int:
        """Settle the rows of a sender whose lease ran out (it died): requeue those it had only prepared
        (``sending``) and record as sent, unconfirmed, those whose request had left (``departed``)."""
        lost = BroadcastOutbox.locked_until < self.clock()
        settle = {"locked_by": None, "locked_until": None}
        async with self.db.transaction() as session:
            requeued = await session.execute(
                update(BroadcastOutbox)
                .where(BroadcastOutbox.state == "sending", lost)
                .values(state="queued", reason="sender lost", **settle)
            )
            unconfirmed = await session.execute(
                update(BroadcastOutbox)
                .where(BroadcastOutbox.state == "departed", lost)
                .values(state="sent", reason="unconfirmed: sender lost", **settle)
            )
            return int(requeued.rowcount or 0) + int(unconfirmed.rowcount or 0)  # type: ignore[attr-defined]

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

    async def _read(self, rows: list[BroadcastOutbox]) -> _Batch:
        """Read once for the batch: its people (if they still take invitations), broadcasts, recent sends."""
        pseudonyms = {row.pseudonym for row in rows}
        async with self.db.transaction() as session:
            users = await session.scalars(
                select(User).where(User.pseudonym.in_(pseudonyms), takes_invitations())
            )
            broadcasts = await session.scalars(
                select(Broadcast).where(Broadcast.id.in_({row.broadcast_id for row in rows}))
            )
            recent = await session.execute(
                select(BroadcastOutbox.pseudonym, func.count())
                .where(
                    BroadcastOutbox.pseudonym.in_(pseudonyms),
                    BroadcastOutbox.state.in_(("sent", "sending", "departed")),
                    BroadcastOutbox.sent_at >= self.clock() - WEEK,
                )
                .group_by(BroadcastOutbox.pseudonym)
            )
            return _Batch(
                {user.pseudonym: user for user in users},
                {broadcast.id: view_of(broadcast) for broadcast in broadcasts},
                Counter({pseudonym: int(count) for pseudonym, count in recent}),
            )

    async def _prepare(self, row: BroadcastOutbox, batch: _Batch) -> _Ready | None:
        """Check the person, then take the permits and mark the row in flight; None if not to send now."""
        user = batch.users.get(row.pseudonym)
        refusal = refused(user, batch.recent[row.pseudonym], self.max_per_week)
        if refusal is not None:
            await self._finish(row, *refusal)
            return None
        assert user is not None
        held = quiet_until(self.clock(), user.country)
        if held is not None:
            await self._release([row.id], due_at=held)
            return None
        text, buttons = compose(batch.broadcasts[row.broadcast_id], user.language)
        permit = await self._begin(row)
        if permit is None:
            return None
        batch.recent[row.pseudonym] += 1
        return _Ready(row, permit, text, buttons)

    async def _send(self, ready: _Ready, stop: asyncio.Event) -> None:
        """Send when the permit starts, record the result and give the permits back; a 429 stops the
        batch's other pipelines at once (before it is recorded)."""
        row, permit = ready.row, ready.permit
        await asyncio.sleep(max(0.0, permit.start - DEPART_LEAD - self.limiter.wall()))
        # A 429 meanwhile: this one waits with the rest. Lease run out: the row is someone else's now.
        if stop.is_set() or not await self._depart(row):
            await self._undo(ready)
            return
        result = await self.lane.send_broadcast(
            row.pseudonym, ready.text, ready.buttons, not_before=permit.start
        )
        answered = self.limiter.wall()
        if result.outcome == Outcome.RETRY_AFTER:
            stop.set()
        await self._record(row, result, permit, answered)

    async def _depart(self, row: BroadcastOutbox) -> bool:
        """Mark the row's request as leaving now (committed first); False if the row is no longer ours."""
        async with self.db.engine.begin() as conn:
            result = await conn.execute(
                update(BroadcastOutbox)
                .where(
                    BroadcastOutbox.id == row.id,
                    BroadcastOutbox.locked_by == self.name,
                    BroadcastOutbox.state == "sending",
                )
                .values(state="departed")
            )
            return bool(result.rowcount)

    async def _undo(self, ready: _Ready | None) -> None:
        """Put back a row marked in flight but not sent (a 429 came first), and its permits."""
        if ready is None:
            return
        async with self.db.engine.begin() as conn:
            await self.limiter.give_back(conn, ready.permit, ready.row.pseudonym, None)
            await conn.execute(
                update(BroadcastOutbox)
                .where(
                    BroadcastOutbox.id == ready.row.id,
                    BroadcastOutbox.locked_by == self.name,
                    BroadcastOutbox.state == "sending",
                )
                .values(
                    state="queued",
                    sent_at=None,
                    attempts=BroadcastOutbox.attempts - 1,
                    locked_by=None,
                    locked_until=None,
                )
            )

    async def _begin(self, row: BroadcastOutbox) -> Permit | None:
        """In one commit: take the chat's and a bot permit, mark the row in flight (while its broadcast
        is still sending and the lease is ours). Else nothing is taken and the row goes back to the queue."""
        await self.limiter.ensure()
        now = self.clock()
        active = exists().where(
            Broadcast.id == row.broadcast_id,
            Broadcast.state == "sending",
            or_(Broadcast.paused_until.is_(None), Broadcast.paused_until <= now),
        )
        try:
            async with self.db.engine.begin() as conn:  # Core on the hot path: a third of the ORM's work
                if not await self.limiter.take_chat(conn, row.pseudonym):
                    raise _NotNow(now + timedelta(seconds=1))
                permit = await self.limiter.take(conn)
                if permit is None:
                    raise _NotNow(now + timedelta(seconds=0.1))
                result = await conn.execute(
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
                if not result.rowcount:
                    raise _NotNow(None)
                return permit
        except _NotNow as later:  # rolled back: the chat and the permit stay free
            await self._release([row.id], due_at=later.due_at)
            return None

    async def _record(
        self, row: BroadcastOutbox, result: SendResult, permit: Permit, answered: float
    ) -> None:
        now = self.clock()
        mine = and_(
            BroadcastOutbox.id == row.id,
            BroadcastOutbox.locked_by == self.name,
            BroadcastOutbox.state == "departed",
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
        async with self.db.engine.begin() as conn:
            await self.limiter.give_back(conn, permit, row.pseudonym, answered)
            await conn.execute(update(BroadcastOutbox).where(mine).values(**values))
            if result.outcome == Outcome.UNREACHABLE:
                await conn.execute(
                    update(User)
                    .where(User.pseudonym == row.pseudonym, User.unreachable_at.is_(None))
                    .values(unreachable_at=now)
                )
            if result.outcome == Outcome.RETRY_AFTER:
                pause = now + timedelta(seconds=result.retry_after)
                await conn.execute(
                    update(Broadcast).where(Broadcast.id == row.broadcast_id).values(paused_until=pause)
                )
        if result.outcome == Outcome.RETRY_AFTER:
            await self.limiter.hold(result.retry_after)
            log.warning("broadcast %d: 429, pausing %.0f s", row.broadcast_id, result.retry_after)

    async def _finish(self, row: BroadcastOutbox, state: str, reason: str) -> None:
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


@dataclass(frozen=True)
class _Batch:
    """What a sender reads once per claimed batch."""

    users: dict[str, User]  # by pseudonym, those who still take invitations
    broadcasts: dict[int, BroadcastView]
    recent: Counter[str]  # messages sent (or in flight) to each person in the last week


@dataclass(frozen=True)
class _Ready:
    """A row marked in flight, its permit and its message."""

    row: BroadcastOutbox
    permit: Permit
    text: str
    buttons: list[list[Button]]


class _NotNow(Exception):
    """Roll the begin transaction back; the row is queued again (at ``due_at`` if given)."""

    def __init__(self, due_at: datetime | None) -> None:
        super().__init__()
        self.due_at = due_at
