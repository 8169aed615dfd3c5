"""The services one running bot uses, built once from the configuration."""

from __future__ import annotations

from dataclasses import dataclass

from actions.analytics import MessageLogService
from actions.ask import Answerer
from actions.db import Database
from actions.feedback import FeedbackService
from actions.tickets import TicketService
from actions.translation import Provider, TranslationClient
from actions.updates import UpdateLedger
from actions.users import UserService


@dataclass
class Services:
    """Everything the handlers call; free of Telegram types."""

    db: Database
    users: UserService
    log: MessageLogService
    ledger: UpdateLedger
    tickets: TicketService
    feedback: FeedbackService
    translations: TranslationClient
    answerer: Answerer | None = None
    default_language: str = "en"
    coach_chat_id: int | None = None

    @classmethod
    def from_url(
        cls,
        database_url: str,
        *,
        default_language: str = "en",
        coach_chat_id: int | None = None,
        translation_provider: Provider | None = None,
        translation_timeout: float = 3.0,
    ) -> Services:
        """Build the services on one database (the answerer is attached separately: it loads models)."""
        db = Database(database_url)
        return cls(
            db=db,
            users=UserService(db),
            log=MessageLogService(db),
            ledger=UpdateLedger(db),
            tickets=TicketService(db),
            feedback=FeedbackService(db),
            translations=TranslationClient(db, translation_provider, translation_timeout),
            default_language=default_language,
            coach_chat_id=coach_chat_id,
        )

    async def aclose(self) -> None:
        """Close the NLU client (a Rasa backend holds an HTTP client) and the database pool."""
        close = getattr(self.answerer.nlu, "aclose", None) if self.answerer else None
        if close is not None:
            await close()
        await self.db.dispose()
