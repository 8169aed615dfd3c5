"""Build the one Application used by every channel: Telegram polling, webhook, console and tests.

Everything a feature brings is declared in its module (``bot.features.Feature``); this module only lists
the features and assembles handlers, command lists, the menu, deep links and intents from that list.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import BotCommand, BotCommandScopeChat, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import (
    AIORateLimiter,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    filters,
)
from telegram.request import BaseRequest

from bot.broadcast_lane import BroadcastLoop
from bot.context import InterHubApp, InterHubContext
from bot.features import Feature, FeatureSet
from bot.handlers import (
    broadcast,
    broadcasts,
    commands,
    content,
    errors,
    events,
    events_coach,
    handover,
    mentoring,
    mentoring_coach,
    menu,
    onboarding,
    privacy,
    questions,
    settings,
    staff,
    survey,
    system,
    topics,
)
from bot.notifier import BackgroundWorker
from bot.persistence import SqlPersistence
from core.i18n import SUPPORTED_LANGUAGES, translator
from core.services import Services
from core.settings import Settings

log = logging.getLogger(__name__)


def features(services: Services) -> list[Feature]:
    """The features, in the order their handlers are tried and their menu entries are shown."""
    return [
        onboarding.FEATURE,
        events_coach.FEATURE,  # a conversation: before commands, so its /cancel reaches it
        broadcast.FEATURE,  # likewise
        mentoring.CONVERSATION,  # likewise
        survey.FLOW,  # typed answers and /cancel in a questionnaire; other text passes on
        system.FEATURE,
        menu.FEATURE,
        commands.FEATURE,
        topics.FEATURE,
        events.FEATURE,
        mentoring.FEATURE,
        survey.FEATURE,
        settings.FEATURE,
        privacy.FEATURE,
        broadcasts.FEATURE,
        questions.FEATURE,
        handover.feature(services.coach_chat_id),
        mentoring_coach.feature(services.coach_chat_id),
        staff.FEATURE,
        content.FEATURE,  # free text and everything unknown: always last
    ]


def build_application(
    config: Settings,
    services: Services,
    *,
    request: BaseRequest | None = None,
    rate_limit: bool = True,
    run_worker: bool = False,
) -> InterHubApp:
    """Assemble the Application: transport, persistence, the features' handlers, start-up hooks.

    With ``run_worker`` the jobs worker runs in this process, started by ``prepare``, stopped by ``shutdown``.
    """
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
        .post_stop(shutdown)
        .concurrent_updates(False)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    if rate_limit:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=3))
    app: InterHubApp = builder.build()
    app.features = FeatureSet(features(services))
    if run_worker:
        lane = BroadcastLoop(config, services) if config.telegram_bot_token and request is None else None
        app.background = BackgroundWorker(app.bot, services, lane)
    _add_handlers(app)
    return app


def _add_handlers(app: InterHubApp) -> None:
    for group, handler in system.before().items():
        app.add_handler(handler, group=group)
    private = filters.ChatType.PRIVATE
    for feature in app.features.features:
        if feature.name == "content":  # the menu's buttons go before the catch-all handlers
            app.add_handler(CallbackQueryHandler(menu.menu_entry, pattern=app.features.menu_pattern))
        app.add_handlers(
            [
                CommandHandler(command.name, command.callback, filters=private)
                for command in feature.commands
                if not command.served_by_handlers
            ]
        )
        app.add_handlers(list(feature.handlers()))
    app.add_error_handler(errors.on_error)


def command_list(app: InterHubApp, lang: str, *, staff: bool = False) -> list[BotCommand]:
    """The commands shown in Telegram's menu: the public ones, or (for the coaches' chat) the staff ones."""
    _ = translator(lang)
    chosen = app.features.staff_commands if staff else app.features.public_commands
    return [BotCommand(command.name, _(command.description)[:256]) for command in chosen]


async def prepare(app: Any) -> None:
    """Publish the command lists and prune old update ids (after initialize)."""
    assert isinstance(app, InterHubApp)
    for lang in SUPPORTED_LANGUAGES:
        await app.bot.set_my_commands(command_list(app, lang), language_code=lang)
    await app.bot.set_my_commands(command_list(app, app.services.default_language))
    if app.services.coach_chat_id is not None:
        await app.bot.set_my_commands(
            command_list(app, "en", staff=True), scope=BotCommandScopeChat(app.services.coach_chat_id)
        )
    if app.services.answerer is not None:  # so the first person to ask does not wait for the models
        await asyncio.to_thread(app.services.answerer.warm_up)
    pruned = await app.services.ledger.prune()
    if app.background is not None:
        await app.background.start()
    log.info("ready: %d old update ids pruned", pruned)


async def shutdown(app: Any) -> None:
    """Stop the jobs worker, if this process runs one (after the bot stops taking updates)."""
    assert isinstance(app, InterHubApp)
    if app.background is not None:
        await app.background.stop()


__all__ = ["Update", "build_application", "command_list", "features", "prepare", "shutdown"]
