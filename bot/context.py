"""Application and context types that carry InterHub's services to every handler."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackContext, ExtBot

from actions.users import Profile
from core.i18n import Translate, resolve_language, translator
from core.services import Services


class InterHubApp(Application[Any, Any, Any, Any, Any, Any]):
    """PTB Application holding the services built at start-up."""

    def __init__(self, services: Services, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.services = services

    async def process_update(self, update: object) -> None:
        """Handle the update, then write its state at once (PTB would wait up to a minute)."""
        await super().process_update(update)
        if self.persistence is not None:
            await self.update_persistence()


class InterHubContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """Callback context with typed access to the services."""

    @property
    def services(self) -> Services:
        """The services of the running application."""
        app = self.application
        assert isinstance(app, InterHubApp)
        return app.services


@dataclass(frozen=True)
class Who:
    """The person behind an update, their language and the matching gettext function."""

    telegram_id: int
    chat_id: int
    profile: Profile
    lang: str
    _: Translate


async def who(update: Update, context: InterHubContext) -> Who:
    """Load (or create) the person's record and resolve their language."""
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None:
        raise LookupError("update without a user or chat")
    profile = await context.services.users.touch(user.id)
    lang = resolve_language(profile.language, user.language_code, context.services.default_language)
    return Who(telegram_id=user.id, chat_id=chat.id, profile=profile, lang=lang, _=translator(lang))
