"""Handover to a coach: the person's question goes to the coaches' chat; a reply goes back to the person.

The flow is drawn in ``handover.mmd`` beside this module.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from actions.ask import AskResult
from actions.roles import NotAllowed
from actions.tickets import TicketView, parse_ticket_label
from actions.translation import TranslationUnavailable
from bot import callbacks
from bot.context import InterHubContext, Who, who
from bot.features import Command, Feature
from bot.handlers.questions import last_question
from bot.handlers.staff import refuse
from bot.messaging import esc
from bot.replies import reply
from core.i18n import translator
from nlu.language import detect

log = logging.getLogger(__name__)


async def ask_coach(update: Update, context: InterHubContext) -> None:
    """Sends the person's last question to the coaches as a ticket."""
    query = update.callback_query
    assert query is not None
    w = await who(update, context)
    coach_chat = context.services.coach_chat_id
    last = last_question(context, w)
    if coach_chat is None:
        await query.answer(w._("Sorry, no coach is available in this installation yet."), show_alert=True)
        return
    if not last:
        await query.answer(
            w._("Please type your question first, then tap the button again."), show_alert=True
        )
        return
    await query.answer()
    ticket = await context.services.tickets.open(
        w.telegram_id, last["text"], language=last["language"], country=last["country"], topic=last["topic"]
    )
    sent = await context.bot.send_message(coach_chat, _coach_card(ticket))
    await context.services.tickets.attach_coach_message(ticket.id, sent.message_id)
    last_question(context, w, pop=True)
    _ = translator(last["language"])
    await reply(
        context,
        w,
        _(
            "✅ Your question was sent to our coaches as ticket {ticket}. The answer will arrive here. "
            "Coaches see your question, not your name."
        ).format(ticket=ticket.label),
        intent="handover",
    )


def _coach_card(ticket: TicketView) -> str:
    where = " · ".join(filter(None, [ticket.country, ticket.topic, ticket.language]))
    return (
        f"🎫 <b>{ticket.label}</b> · {esc(where)}\n\n{esc(ticket.question)}\n\n"
        f"↩️ Reply to this message to answer, or /answer {ticket.label} &lt;text&gt;"
    )


async def coach_reply(update: Update, context: InterHubContext) -> None:
    """A coach replied to a ticket message in the coaches' chat."""
    message = update.effective_message
    assert message is not None and message.reply_to_message is not None
    ticket = await context.services.tickets.find_by_coach_message(message.reply_to_message.message_id)
    if ticket is None or update.effective_user is None:
        return
    await _deliver(context, ticket.id, message.text or "", message.chat_id, update.effective_user.id)


async def answer_command(update: Update, context: InterHubContext) -> None:
    """``/answer T-0042 text``, in the coaches' chat or privately, by a coach."""
    message = update.effective_message
    assert message is not None and update.effective_user is not None
    if not await context.services.roles.allows(update.effective_user.id, "tickets.answer"):
        await refuse(update, context)
        return
    args = context.args or []
    number = parse_ticket_label(args[0]) if args else None
    if number is None or len(args) < 2:
        await message.reply_text("Usage: /answer T-0042 your answer")
        return
    await _deliver(context, number, " ".join(args[1:]), message.chat_id, update.effective_user.id)


async def _deliver(context: InterHubContext, ticket_id: int, text: str, coach_chat: int, coach: int) -> None:
    """Record the answer (the service checks the coach's role and scope) and send it to the person."""
    if not text.strip():
        await context.bot.send_message(coach_chat, "The answer is empty: nothing was sent.")
        return
    try:
        ticket = await context.services.tickets.answer(ticket_id, text, by=coach)
    except NotAllowed:
        await context.bot.send_message(
            coach_chat, f"T-{ticket_id:04d}: only a coach for this country can answer; nothing was sent."
        )
        return
    except (LookupError, ValueError) as problem:
        await context.bot.send_message(coach_chat, f"Ticket T-{ticket_id:04d}: {esc(str(problem))}.")
        return
    if ticket.telegram_id is None:
        await context.bot.send_message(coach_chat, f"{ticket.label}: the person has deleted their data.")
        return
    _ = translator(ticket.language)
    body, note = text, ""
    written_in = (detect(text) or [("", 0.0)])[0][0]
    if written_in and written_in != ticket.language:
        try:
            body = await context.services.translations.translate(text, written_in, ticket.language)
            note = "\n\n" + _("🌐 Machine-translated from the coach's message.")
        except TranslationUnavailable:
            note = ""
    heading = _("💬 A coach answered your question ({ticket}):").format(ticket=ticket.label)
    try:
        await context.bot.send_message(ticket.telegram_id, f"{heading}\n\n{esc(body)}{note}")
    except TelegramError:
        log.warning("could not deliver the answer to %s", ticket.label)
        await context.bot.send_message(coach_chat, f"{ticket.label}: the answer could not be delivered.")
        return
    await context.bot.send_message(coach_chat, f"✅ {ticket.label}: answer delivered.")


async def tickets_command(update: Update, context: InterHubContext) -> None:
    """``/tickets``: the open tickets a coach may answer (their countries), oldest first."""
    message = update.effective_message
    assert message is not None and update.effective_user is not None
    try:
        tickets = await context.services.tickets.open_tickets(by=update.effective_user.id)
    except NotAllowed:
        await refuse(update, context)
        return
    if not tickets:
        await message.reply_text("No open tickets. 🎉")
        return
    lines = [f"🎫 {len(tickets)} open:"]
    lines += [
        f"• <b>{t.label}</b> {esc(' · '.join(filter(None, [t.country, t.topic, t.language])))}: "
        f"{esc(t.question[:80])}"
        for t in tickets[:30]
    ]
    await message.reply_text("\n".join(lines))


async def offer_coach(context: InterHubContext, w: Who, result: AskResult) -> None:
    """The person asked, in words, for a human."""
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(w._("🙋 Ask a coach"), callback_data="coach:ask")]])
    await reply(context, w, result.answer, markup, intent="talk_to_human")


def _handlers(coach_chat_id: int | None) -> list[BaseHandler[Update, InterHubContext, None]]:
    """The coach button everywhere; replies to ticket cards inside the coaches' chat."""
    found: list[BaseHandler[Update, InterHubContext, None]] = [
        CallbackQueryHandler(ask_coach, pattern=callbacks.COACH)
    ]
    if coach_chat_id is not None:
        in_coach_chat = filters.Chat(chat_id=coach_chat_id)
        found += [
            CommandHandler("answer", answer_command, filters=in_coach_chat),
            CommandHandler("tickets", tickets_command, filters=in_coach_chat),
            MessageHandler(in_coach_chat & filters.REPLY & filters.TEXT & ~filters.COMMAND, coach_reply),
        ]
    return found


def feature(coach_chat_id: int | None) -> Feature:
    """Handover, wired to the coaches' chat of this installation."""
    return Feature(
        name="handover",
        handlers=lambda: _handlers(coach_chat_id),
        commands=(
            Command("answer", "Answer a ticket: /answer T-0042 text", answer_command, staff=True),
            Command("tickets", "Open tickets", tickets_command, staff=True),
        ),
        intents={"talk_to_human": offer_coach},
    )
