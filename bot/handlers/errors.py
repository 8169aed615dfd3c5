"""The global error handler: log with the traceback, tell the person politely."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.error import Forbidden, TelegramError

from bot.context import InterHubContext
from core.i18n import resolve_language, translator

log = logging.getLogger(__name__)


async def on_error(update: object, context: InterHubContext) -> None:
    """Logs the exception (no personal data) and apologises to the person if there is one."""
    error = context.error
    kind = type(update).__name__ if update is not None else "none"
    if isinstance(error, Forbidden):
        log.warning("bot blocked by a user or kicked from a chat (update type %s)", kind)
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is not None and chat.type == ChatType.PRIVATE:
            await context.services.users.set_reachable(chat.id, False)
        return
    log.error("error while handling an update of type %s", kind, exc_info=error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    user = update.effective_user
    lang = resolve_language(None, user.language_code if user else None, context.services.default_language)
    try:
        profile = await context.services.users.find(user.id) if user else None
        if profile and profile.language:
            lang = profile.language
    except Exception:  # the database itself may be what failed
        log.warning("could not read the user's language while reporting an error")
    _ = translator(lang)
    try:
        await context.bot.send_message(
            update.effective_chat.id,
            _("😕 Sorry, something went wrong on our side. Please try again in a moment."),
        )
    except TelegramError:
        log.warning("could not tell the user about the error")
