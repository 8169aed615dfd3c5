"""Update idempotency: Telegram re-sends an update after a timeout; handle each id once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from actions.models import ProcessedUpdate, utcnow
from core.db import Database

#: Telegram keeps undelivered updates for 24 hours; remembering ids for 7 days is ample.
KEEP_IDS_FOR = timedelta(days=7)


class UpdateLedger:
    """Records processed ``update_id`` values in the database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def claim(self, update_id: int) -> bool:
        """Record the id; return False when another delivery already claimed it."""
        try:
            async with self.db.transaction() as session:
                session.add(ProcessedUpdate(update_id=update_id))
        except IntegrityError:
            return False
        return True

    async def prune(self) -> int:
        """Forget ids older than the keeping period; return how many."""
        async with self.db.transaction() as session:
            result = await session.execute(
                delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < utcnow() - KEEP_IDS_FOR)
            )
            return int(result.rowcount or 0)  # type: ignore[attr-defined]
