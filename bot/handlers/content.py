"""Free text outside a flow, and content InterHub cannot read (photos, voice, stickers, files…)."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from actions.text import MAX_TEXT_CHARS, TextKind, clean_text
from bot.context import InterHubContext, who
from bot.features import Feature
from bot.handlers.commands import last_resort
from bot.handlers.questions import answer_text
from bot.replies import reply, typing

log = logging.getLogger(__name__)

UNSUPPORTED = (
    filters.PHOTO
    | filters.VOICE
    | filters.AUDIO
    | filters.VIDEO
    | filters.VIDEO_NOTE
    | filters.Sticker.ALL
    | filters.LOCATION
    | filters.VENUE
    | filters.CONTACT
    | filters.Document.ALL
    | filters.ANIMATION
    | filters.POLL
    | filters.Dice.ALL
)


async def free_text(update: Update, context: InterHubContext) -> None:
    """Checks the text, then hands it to the one function that understands and answers."""
    message = update.effective_message
    assert message is not None
    w = await who(update, context)
    cleaned = clean_text(message.text)
    if cleaned.kind is TextKind.EMPTY:
        await reply(context, w, w._("Your message looks empty. Please type your question."), intent="empty")
        return
    if cleaned.kind is TextKind.TOO_LONG:
        await reply(
            context,
            w,
            w._.ngettext(
                "Your message is too long: please keep it under {limit} character, one question at a time.",
                "Your message is too long: please keep it under {limit} characters, one question at a time.",
                MAX_TEXT_CHARS,
            ).format(limit=MAX_TEXT_CHARS),
            intent="too_long",
        )
        return
    if cleaned.kind is TextKind.NO_WORDS:
        await reply(
            context, w, w._("🙂 I can only read words. Please type your question."), intent="no_words"
        )
        return
    await typing(context, w.chat_id)
    await answer_text(context, w, cleaned.text)


async def unsupported_content(update: Update, context: InterHubContext) -> None:
    """Tells the person politely that only text can be read."""
    w = await who(update, context)
    message = update.effective_message
    kind = message.effective_attachment.__class__.__name__ if message else "unknown"
    log.info("unsupported content: %s", kind)
    await reply(
        context,
        w,
        w._("Sorry, I can only read text messages for now. Please type your question."),
        intent="unsupported_content",
    )


async def expired_button(update: Update, context: InterHubContext) -> None:
    """Answers buttons whose data is unknown, forged or no longer valid."""
    query = update.callback_query
    assert query is not None
    w = await who(update, context)
    log.info("unknown callback data (%d characters)", len(query.data or ""))
    await query.answer(w._("This button is no longer valid. Please use /menu."), show_alert=True)


def _handlers() -> list[BaseHandler[Update, InterHubContext, None]]:
    private = filters.ChatType.PRIVATE
    return [
        *last_resort(),
        MessageHandler(private & filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND, free_text),
        MessageHandler(private & filters.UpdateType.MESSAGE & UNSUPPORTED, unsupported_content),
        CallbackQueryHandler(expired_button),
    ]


#: Free text, unsupported content, unknown commands and buttons: the last feature in the list.
FEATURE = Feature(name="content", handlers=_handlers)
