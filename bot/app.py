"""Build the one Application used by every channel: Telegram polling, webhook, console and tests."""

from __future__ import annotations

import logging
from typing import Any

from telegram import BotCommand, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import AIORateLimiter, ApplicationBuilder, ContextTypes, Defaults
from telegram.request import BaseRequest

from bot.context import InterHubApp, InterHubContext
from bot.handlers import (
    commands,
    content,
    errors,
    handover,
    menu,
    onboarding,
    privacy,
    questions,
    settings,
    system,
)
from bot.persistence import SqlPersistence
from core.i18n import SUPPORTED_LANGUAGES, translator
from core.services import Services
from core.settings import Settings

log = logging.getLogger(__name__)


def build_application(
    config: Settings,
    services: Services,
    *,
    request: BaseRequest | None = None,
    rate_limit: bool = True,
) -> InterHubApp:
    """Assemble the Application: transport, persistence, handlers in their groups, start-up hooks."""
    builder: Any = (
        ApplicationBuilder()
        .application_class(InterHubApp, {"services": services})
        .token(config.telegram_bot_token or "0:console")
        .base_url(config.telegram_api_base_url)
        .context_types(ContextTypes(context=InterHubContext))
        .defaults(
            Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True))
        )
        .persistence(SqlPersistence(services.db))
        .post_init(prepare)
        .concurrent_updates(False)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    if rate_limit:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=3))
    app: InterHubApp = builder.build()
    _add_handlers(app)
    return app


def _add_handlers(app: InterHubApp) -> None:
    for group, handler in system.before().items():
        app.add_handler(handler, group=group)
    app.add_handler(onboarding.build())
    for module in (menu, settings, privacy, commands, questions):
        app.add_handlers(module.handlers())
    app.add_handlers(handover.handlers(app.services.coach_chat_id))
    app.add_handlers(commands.last_resort())
    app.add_handlers(content.handlers())
    app.add_error_handler(errors.on_error)


def _command_list(lang: str) -> list[BotCommand]:
    _ = translator(lang)
    return [BotCommand(name, _(description)) for name, description in commands.COMMANDS.items()]


async def prepare(app: Any) -> None:
    """Publish the command list in every language and prune old update ids (after initialize)."""
    assert isinstance(app, InterHubApp)
    for lang in SUPPORTED_LANGUAGES:
        await app.bot.set_my_commands(_command_list(lang), language_code=lang)
    await app.bot.set_my_commands(_command_list(app.services.default_language))
    pruned = await app.services.ledger.prune()
    log.info("ready: %d old update ids pruned", pruned)
