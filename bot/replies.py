"""Sending replies: split long text, attach the keyboard to the last part, log what went out."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup
from telegram.constants import ChatAction

from bot.context import InterHubContext, Who
from bot.messaging import split_message


async def reply(
    context: InterHubContext,
    w: Who,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    *,
    intent: str | None = None,
    subject: str | None = None,
) -> None:
    """Send HTML text in as many messages as needed; the keyboard goes on the last one.

    ``subject`` is what the reply is about (an article id, ``event:42``), kept in the message log.
    """
    parts = split_message(text)
    for number, part in enumerate(parts, start=1):
        await context.bot.send_message(w.chat_id, part, reply_markup=markup if number == len(parts) else None)
    await context.services.log.record(
        w.telegram_id, direction="out", language=w.lang, intent=intent, article_id=subject
    )


async def typing(context: InterHubContext, chat_id: int) -> None:
    """Show "typing…" while a slower reply is prepared."""
    await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
