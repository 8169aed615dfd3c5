"""The broadcast lane's pace, shared by every process through rows of ``rate_limits``.

Telegram (and the fake Bot API) count the messages that *arrive* in any one second. A sender cannot see when
its request arrives, only that it is after the request started and before the answer came back. So the
bot's pace is a ring of ``slots`` permits (rows ``slot:NN``): a sender takes the permit that frees first,
waits until it is free, sends, and gives it back only a ``window`` after the answer (``next_at = answered +
window``). At any moment at most ``slots`` messages are between their start and a window after their answer,
so at most ``slots`` arrive in any window — whatever the network's jitter, however many processes send, and
with no burst after an idle spell beyond ``slots``. ``per_second`` 29 gives 29 permits a second: one second's
room is left for the replies to people chatting, which go out on the conversation's own Bot.

A chat's row (``chat:<pseudonym>``) is the same ring with one permit and a one-second window. A taken permit
reads ``start + HOLD``; if its sender dies, it frees itself after ``HOLD``. A 429 writes the ``pause`` row:
no permit starts before it. Every method runs inside the caller's transaction, so a sender takes the chat,
the permit and its outbox row in one commit, and gives them back with the result in another.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from actions.models import RateLimit
from core.db import Database

CHAT_INTERVAL = 1.0  # seconds between two messages arriving in one chat
HOLD = 30.0  # a taken permit frees itself after this long (longer than any request with its timeouts)
MARGIN = 0.002  # seconds added to every window, for rounding between the sender's clock and Telegram's
PAUSE_KEY = "pause"
TRIES = 5  # compare-and-set attempts before the caller tries again later


@dataclass(frozen=True)
class Permit:
    """A taken permit: its row, the moment the message may start, and the value marking it taken."""

    key: str
    start: float
    held: float


class SharedLimiter:
    """Hands out send permits kept in the database, so the limit holds across processes."""

    def __init__(self, db: Database, per_second: float, *, wall: Callable[[], float] = time.time) -> None:
        self.db = db
        self.slots = max(1, math.ceil(per_second - 1e-9))
        self.window = self.slots / per_second  # ≥ 1 s: ``slots`` messages per window, per_second on average
        self.keys = [f"slot:{index:02d}" for index in range(self.slots)]
        self.wall = wall
        self._insert: Any = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
        self._ring_ready = False

    async def take_chat(self, conn: AsyncConnection, pseudonym: str) -> bool:
        """Take the chat's permit if its last message arrived at least a second ago; return whether taken."""
        now = self.wall()
        table = RateLimit.__table__.c
        statement = (
            self._insert(RateLimit)
            .values(key=_chat(pseudonym), next_at=now + HOLD)
            .on_conflict_do_update(
                index_elements=["key"], set_={"next_at": now + HOLD}, where=table.next_at <= now
            )
            .returning(RateLimit.key)
        )
        return (await conn.execute(statement)).first() is not None

    async def ensure(self) -> None:
        """Create the ring's rows if missing, in a commit of its own (call before ``take``)."""
        if self._ring_ready:
            return
        async with self.db.engine.begin() as conn:
            await conn.execute(
                self._insert(RateLimit)
                .values([{"key": key, "next_at": 0.0} for key in self.keys])
                .on_conflict_do_nothing(index_elements=["key"])
            )
        self._ring_ready = True

    async def take(self, conn: AsyncConnection) -> Permit | None:
        """Take the bot's permit that frees first; None if every one is taken (try again shortly)."""
        table = RateLimit.__table__
        paused = table.alias("paused")
        pause = select(paused.c.next_at).where(paused.c.key == PAUSE_KEY).scalar_subquery()
        for _ in range(TRIES):
            now = self.wall()
            free = (
                select(table.c.key, table.c.next_at, pause)
                .where(table.c.key.in_(self.keys), table.c.next_at < now + HOLD / 2)  # not taken
                .order_by(table.c.next_at, table.c.key)
                .limit(1)
                .with_for_update(skip_locked=True, of=table)
            )
            found = (await conn.execute(free)).first()
            if found is None:
                return None
            key, next_at, paused_until = found
            start = max(next_at, paused_until or 0.0, now)
            permit = Permit(key, start, start + HOLD)
            taken = await conn.execute(
                update(RateLimit)
                .where(RateLimit.key == key, RateLimit.next_at == next_at)  # nobody took it meanwhile
                .values(next_at=permit.held)
            )
            if taken.rowcount:
                return permit
        return None

    async def give_back(
        self, conn: AsyncConnection, permit: Permit, pseudonym: str, answered: float | None
    ) -> None:
        """Free the bot's permit a window after the answer and the chat's a second after it; free both
        at once if the message never went out (``answered`` None)."""
        bot_free = permit.start if answered is None else answered + self.window + MARGIN
        chat_free = self.wall() if answered is None else answered + CHAT_INTERVAL + MARGIN
        table = RateLimit.__table__.c
        mine = and_(table.key == permit.key, table.next_at == permit.held)  # still ours
        await conn.execute(
            update(RateLimit)
            .where(or_(mine, table.key == _chat(pseudonym)))
            .values(next_at=case((table.key == permit.key, bot_free), else_=chat_free))
        )

    async def hold(self, seconds: float) -> None:
        """Let no broadcast message start for ``seconds`` (Telegram answered 429)."""
        until = self.wall() + seconds
        table = RateLimit.__table__.c
        statement = (
            self._insert(RateLimit)
            .values(key=PAUSE_KEY, next_at=until)
            .on_conflict_do_update(
                index_elements=["key"], set_={"next_at": until}, where=table.next_at < until
            )
        )
        async with self.db.engine.begin() as conn:
            await conn.execute(statement)

    async def prune(self) -> None:
        """Forget chats whose permit came back a minute ago (the rows name a pseudonym)."""
        async with self.db.engine.begin() as conn:
            await conn.execute(
                delete(RateLimit).where(RateLimit.key.like("chat:%"), RateLimit.next_at < self.wall() - 60)
            )


def _chat(pseudonym: str) -> str:
    return f"chat:{pseudonym}"
