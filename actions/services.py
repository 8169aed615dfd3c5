"""The services one running bot uses, built once from the configuration."""

from __future__ import annotations

from dataclasses import dataclass

from actions.analytics import MessageLogService
from actions.db import Database
from actions.updates import UpdateLedger
from actions.users import UserService


@dataclass
class Services:
    """Everything the handlers call; free of Telegram types."""

    db: Database
    users: UserService
    log: MessageLogService
    ledger: UpdateLedger
    default_language: str = "en"
    coach_chat_id: int | None = None

    @classmethod
    def from_url(
        cls, database_url: str, *, default_language: str = "en", coach_chat_id: int | None = None
    ) -> Services:
        """Build the services on one database."""
        db = Database(database_url)
        return cls(
            db=db,
            users=UserService(db),
            log=MessageLogService(db),
            ledger=UpdateLedger(db),
            default_language=default_language,
            coach_chat_id=coach_chat_id,
        )
