"""Build the services from the settings, the same way for every command."""

from __future__ import annotations

from actions.brain import attach_answerer
from actions.services import Services
from actions.translation import build_provider
from bot.settings import Settings


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
