"""The pace of the broadcast lane, shared by every process through rows of ``rate_limits``.

The bot's clock row (``bot``) holds the earliest moment the next message may start. A sender reserves a
slot with one atomic upsert, ``next_at = max(next_at, now) + 1/rate``, and waits until its slot: however
many processes send, their slots are ``1/rate`` apart, so the bot never exceeds ``rate`` per second and no
burst builds up while idle. A chat's row (``chat:<pseudonym>``) is taken only when its moment has passed,
which keeps one message per second per chat. A 429 moves the bot's row past ``retry_after``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import delete, func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from actions.models import RateLimit
from core.db import Database

BOT_KEY = "bot"
CHAT_INTERVAL = 1.0  # seconds between two messages to one chat


class SharedLimiter:
    """Reserves send slots in the database, so the limit holds across processes."""

    def __init__(self, db: Database, per_second: float, *, wall: Callable[[], float] = time.time) -> None:
        self.db = db
        self.step = 1.0 / per_second
        self.wall = wall
        postgres = db.engine.dialect.name == "postgresql"
        self._insert: Any = pg_insert if postgres else sqlite_insert
        self._max: Any = func.greatest if postgres else func.max

    async def reserve(self) -> float:
        """Reserve the bot's next slot; return its moment (epoch seconds; may be in the future)."""
        now = self.wall()
        statement = (
            self._insert(RateLimit)
            .values(key=BOT_KEY, next_at=now + self.step)
            .on_conflict_do_update(
                index_elements=["key"],
                set_={"next_at": self._max(RateLimit.__table__.c.next_at, now) + self.step},
            )
            .returning(RateLimit.next_at)
        )
        async with self.db.transaction() as session:
            next_at = float((await session.execute(statement)).scalar_one())
        return next_at - self.step

    async def take_chat(self, pseudonym: str) -> bool:
        """Take the chat's turn if its last message is at least a second old; return whether taken."""
        now = self.wall()
        table = RateLimit.__table__.c
        statement = (
            self._insert(RateLimit)
            .values(key=f"chat:{pseudonym}", next_at=now + CHAT_INTERVAL)
            .on_conflict_do_update(
                index_elements=["key"],
                set_={"next_at": now + CHAT_INTERVAL},
                where=table.next_at <= now,
            )
            .returning(RateLimit.key)
        )
        async with self.db.transaction() as session:
            return (await session.execute(statement)).first() is not None

    async def hold(self, seconds: float) -> None:
        """Let no broadcast message start for ``seconds`` (Telegram answered 429)."""
        until = self.wall() + seconds
        statement = (
            self._insert(RateLimit)
            .values(key=BOT_KEY, next_at=until)
            .on_conflict_do_update(
                index_elements=["key"], set_={"next_at": self._max(RateLimit.__table__.c.next_at, until)}
            )
        )
        async with self.db.transaction() as session:
            await session.execute(statement)

    async def prune(self) -> None:
        """Forget chats whose turn passed a minute ago (the rows name a pseudonym)."""
        async with self.db.transaction() as session:
            await session.execute(
                delete(RateLimit).where(RateLimit.key.like("chat:%"), RateLimit.next_at < self.wall() - 60)
            )
