"""Application and context types that carry InterHub's services to every handler."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackContext, ExtBot

from actions.users import Profile
from bot.features import FeatureSet
from bot.notifier import BackgroundWorker
from core.i18n import Translate, resolve_language, translator
from core.services import Services

_WHO = "_interhub_who"


class InterHubApp(Application[Any, Any, Any, Any, Any, Any]):
    """PTB Application holding the services built at start-up."""

    def __init__(self, services: Services, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.services = services
        self.features = FeatureSet(())
        self.background: BackgroundWorker | None = None  # the jobs worker, when it runs in this process

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

    @property
    def features(self) -> FeatureSet:
        """The features of the running application."""
        app = self.application
        assert isinstance(app, InterHubApp)
        return app.features


@dataclass(frozen=True)
class Who:
    """The person behind an update, their language and the matching gettext function."""

    telegram_id: int
    chat_id: int
    profile: Profile
    lang: str
    _: Translate
    features: FeatureSet

    def main_menu(self) -> InlineKeyboardMarkup:
        """The main menu in the person's language."""
        return self.features.main_menu(self._)


async def who(update: Update, context: InterHubContext, *, fresh: bool = False) -> Who:
    """The person behind the update, loaded (or created) once per update; ``fresh`` after a change."""
    cached = getattr(context, _WHO, None)
    if isinstance(cached, Who) and not fresh:
        return cached
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None:
        raise LookupError("update without a user or chat")
    profile = await context.services.users.touch(user.id)
    lang = resolve_language(profile.language, user.language_code, context.services.default_language)
    found = Who(
        telegram_id=user.id,
        chat_id=chat.id,
        profile=profile,
        lang=lang,
        _=translator(lang),
        features=context.features,
    )
    setattr(context, _WHO, found)
    return found
