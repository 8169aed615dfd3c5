"""The services one running process uses, built once from the settings, the same way for every command."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from actions.analytics import MessageLogService
from actions.broadcasts import BroadcastService
from actions.events import EventService
from actions.feedback import FeedbackService
from actions.jobs import JobService
from actions.mentoring import MentoringService
from actions.roles import RoleService
from actions.surveys.definitions import shipped
from actions.surveys.responses import SurveyService
from actions.tickets import TicketService
from actions.translation import Provider, TranslationClient, build_provider
from actions.updates import UpdateLedger
from actions.users import UserService
from core.db import Database

if TYPE_CHECKING:
    from actions.ask import Answerer
    from core.settings import Settings
    from knowledge.base import KnowledgeBase


@dataclass
class Services:
    """Everything the handlers, the worker, the CLI and the dashboard call; free of Telegram types."""

    db: Database
    users: UserService
    log: MessageLogService
    ledger: UpdateLedger
    tickets: TicketService
    feedback: FeedbackService
    translations: TranslationClient
    roles: RoleService
    jobs: JobService
    events: EventService
    mentoring: MentoringService
    surveys: SurveyService
    broadcasts: BroadcastService
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
        roles = RoleService(db)
        return cls(
            db=db,
            users=UserService(db),
            log=MessageLogService(db),
            ledger=UpdateLedger(db),
            tickets=TicketService(db, roles),
            feedback=FeedbackService(db),
            translations=TranslationClient(db, translation_provider, translation_timeout),
            roles=roles,
            jobs=JobService(db),
            events=EventService(db, roles),
            mentoring=MentoringService(db, roles),
            surveys=SurveyService(db, shipped(), roles),
            broadcasts=BroadcastService(db, roles),
            default_language=default_language,
            coach_chat_id=coach_chat_id,
        )

    async def aclose(self) -> None:
        """Close the NLU client (a Rasa backend holds an HTTP client) and the database pool."""
        close = getattr(self.answerer.nlu, "aclose", None) if self.answerer else None
        if close is not None:
            await close()
        await self.db.dispose()


def build_services(config: Settings, *, answering: bool = False) -> Services:
    """The services for a command; with ``answering`` also the answerer (it loads the models)."""
    services = Services.from_url(
        config.database_url,
        default_language=config.default_language,
        coach_chat_id=config.coach_chat_id,
        translation_provider=build_provider(
            config.translator,
            config.libretranslate_url,
            config.libretranslate_api_key,
            config.translator_timeout,
        ),
        translation_timeout=config.translator_timeout,
    )
    if answering:
        attach_answerer(services, config)
    return services


@lru_cache(maxsize=1)
def shared_knowledge() -> KnowledgeBase:
    """The curated articles and their indexes, loaded once per process."""
    from knowledge.base import KnowledgeBase

    return KnowledgeBase.load()


def attach_answerer(services: Services, settings: Settings) -> Answerer:
    """Give the services an answerer built from the shared knowledge base and the configured NLU."""
    from actions.ask import Answerer
    from nlu.select import build_nlu

    services.answerer = Answerer(shared_knowledge(), build_nlu(settings), services.translations)
    return services.answerer
