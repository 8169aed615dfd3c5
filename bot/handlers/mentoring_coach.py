"""Mentoring for coaches: the request card in the coaches' chat (Approve / Pick another / Decline with a
reason), ``/mentorrequests`` for the requests still waiting, and ``/mentors`` to pause or resume a mentor.

Roles and country scopes are checked in ``actions.mentoring`` (``mentoring.manage``); these handlers turn the
outcome into a reply. Like the other staff tools, the coaches' texts are English.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from actions.mentor_ranking import Match
from actions.mentoring import DECLINE_REASONS, MentorFull, MentoringError, MentorView, RequestView
from actions.mentoring_jobs import AVAILABILITY_WORDS
from actions.roles import NotAllowed
from bot.context import InterHubContext, who
from bot.features import Command, Feature
from bot.handlers.staff import refuse
from bot.messaging import esc
from core.i18n import translator

log = logging.getLogger(__name__)
#: ``mc:<action>:<request id>[:<mentor id or reason>]`` and ``mc:pause|resume:<mentor id>``.
CARD = re.compile(rf"^mc:(ok|other|no|why|card):(\d{{1,9}})(?::(\d{{1,9}}|{'|'.join(DECLINE_REASONS)}))?$")
PAUSE = re.compile(r"^mc:(pause|resume):(\d{1,9})$")
REASON_LABELS = {
    "no_match": "No mentor fits",
    "full": "Mentors fully booked",
    "scope": "Better for a coach",
    "details": "Needs more details",
}
PICK_LIST = 8


#: The coaches' texts are English: the "translation" of a msgid is the msgid itself.
english = translator("en")


def _ranked_lines(matches: list[Match]) -> list[str]:
    return [
        f"{n}. <b>{esc(m.mentor.name)}</b> — {m.explain(english)}" for n, m in enumerate(matches, start=1)
    ]


async def card_text(context: InterHubContext, request: RequestView) -> str:
    """The card: pseudonym, need, what they asked for, the person's choice and the ranked mentors."""
    service = context.services.mentoring
    ranked = {m.mentor.id: m for m in await service.ranked_for(request)}
    chosen = (
        await service.mentor(request.mentor_id) if request.chosen_by_person and request.mentor_id else None
    )
    need = esc(request.need) if request.need else "<i>not stored: the person keeps no profile</i>"
    lines = [
        f"🤝 <b>{request.label}</b> · {request.pseudonym} · {request.country} · {request.sector}",
        f"Needs: {need}",
        f"Languages: {', '.join(request.languages)} · Free: {AVAILABILITY_WORDS[request.availability]}",
        f"Person's choice: {esc(chosen.name) if chosen else 'the coach chooses'}",
        "",
        "Ranked mentors (sector, shared language, country, free places):",
    ]
    proposed = [ranked[i] for i in request.proposals if i in ranked]
    lines += _ranked_lines(proposed) or ["— none with a shared language and a free place; use Pick another"]
    return "\n".join(lines)


async def card_buttons(context: InterHubContext, request: RequestView) -> InlineKeyboardMarkup:
    """Approve (the person's choice, else the best proposal) · Pick another · Decline."""
    rows = []
    suggested = await context.services.mentoring.mentor(request.suggested) if request.suggested else None
    if suggested is not None:
        label = f"✅ Approve: {suggested.name}"[:64]
        rows.append([InlineKeyboardButton(label, callback_data=f"mc:ok:{request.id}:{suggested.id}")])
    rows.append(
        [
            InlineKeyboardButton("🔁 Pick another", callback_data=f"mc:other:{request.id}"),
            InlineKeyboardButton("❌ Decline", callback_data=f"mc:no:{request.id}"),
        ]
    )
    return InlineKeyboardMarkup(rows)


async def post_card(context: InterHubContext, request: RequestView) -> None:
    """Post a new request's card to the coaches' chat and remember its message."""
    chat = context.services.coach_chat_id
    if chat is None:
        return
    text, markup = await card_text(context, request), await card_buttons(context, request)
    sent = await context.bot.send_message(chat, text, reply_markup=markup)
    await context.services.mentoring.attach_coach_message(request.id, sent.message_id)


async def _close_card(context: InterHubContext, request: RequestView, outcome: str) -> None:
    """Show the outcome on the original card and take its buttons away."""
    chat = context.services.coach_chat_id
    if chat is None or request.coach_message_id is None:
        return
    text = await card_text(context, request)
    try:
        await context.bot.edit_message_text(
            f"{text}\n\n{outcome}", chat_id=chat, message_id=request.coach_message_id
        )
    except TelegramError:
        log.warning("could not update the card of %s", request.label)


async def _say(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    message = update.effective_message
    assert message is not None
    await message.reply_text(text, reply_markup=markup)


async def on_card(update: Update, context: InterHubContext) -> None:
    """Approve, Pick another, Decline and the decline reasons, by a coach of the request's country."""
    query = update.callback_query
    assert query is not None
    match = CARD.match(query.data or "")
    assert match is not None
    w = await who(update, context)
    action, request_id, extra = match.group(1), int(match.group(2)), match.group(3)
    request = await context.services.mentoring.get(request_id)
    if request is None:
        await query.answer(w._("This button is no longer valid. Please use /menu."), show_alert=True)
        return
    try:
        await _card_action(update, context, action, request, extra)
    except NotAllowed:
        await query.answer(w._("Sorry, this command is only for the InterHub team."), show_alert=True)
    except MentorFull as problem:
        await query.answer(f"{problem}: please pick another.", show_alert=True)
    except MentoringError as problem:
        await query.answer(str(problem)[:190], show_alert=True)


async def _card_action(
    update: Update, context: InterHubContext, action: str, request: RequestView, extra: str | None
) -> None:
    query = update.callback_query
    assert query is not None
    service, actor = context.services.mentoring, query.from_user.id
    if action == "ok" and extra is not None and extra.isdigit():
        done = await service.approve(request.id, int(extra), actor=actor)
        mentor = await service.mentor(int(extra))
        assert mentor is not None
        await query.answer("Approved")
        await query.edit_message_reply_markup(None)
        await _close_card(context, done, f"✅ Approved with <b>{esc(mentor.name)}</b>.")
        await _say(
            update, f"✅ {done.label} approved with {esc(mentor.name)}. {await _reach(context, mentor)}"
        )
    elif action == "other":
        await service.require_for(request, actor)  # the role check, before showing anything
        await query.answer()
        matches = (await service.ranked_for(request))[:PICK_LIST]
        if not matches:
            await _say(
                update, f"{request.label}: no active mentor has a free place. Decline, or add mentors."
            )
            return
        rows = [
            [
                InlineKeyboardButton(
                    f"{n}. {m.mentor.name}"[:64], callback_data=f"mc:ok:{request.id}:{m.mentor.id}"
                )
            ]
            for n, m in enumerate(matches, start=1)
        ]
        text = "\n".join([f"🔁 {request.label}: choose the mentor", *_ranked_lines(matches)])
        await _say(update, text, InlineKeyboardMarkup(rows))
    elif action == "no":
        await service.require_for(request, actor)
        await query.answer()
        rows = [
            [InlineKeyboardButton(label, callback_data=f"mc:why:{request.id}:{key}")]
            for key, label in REASON_LABELS.items()
        ]
        await _say(
            update,
            f"❌ {request.label}: why? The person reads it in their language.",
            InlineKeyboardMarkup(rows),
        )
    elif action == "why" and extra in REASON_LABELS:
        done = await service.decline(request.id, extra, actor=actor)
        await query.answer("Declined")
        await query.edit_message_reply_markup(None)
        await _close_card(context, done, f"❌ Declined: {REASON_LABELS[extra]}.")
        await _say(update, f"❌ {done.label} declined; the person will be told.")
    elif action == "card":
        await service.require_for(request, actor)
        await query.answer()
        await _say(update, await card_text(context, request), await card_buttons(context, request))
    else:
        raise MentoringError("this button is not valid")


async def _reach(context: InterHubContext, mentor: MentorView) -> str:
    if mentor.telegram_id is not None and await context.services.users.find(mentor.telegram_id):
        return "Both are introduced in their languages."
    name = esc(mentor.name)
    return f"The person is introduced; {name} does not use the bot, so please introduce them yourself."


async def requests_command(update: Update, context: InterHubContext) -> None:
    """``/mentorrequests``: the requests waiting for a coach of this coach's countries."""
    user = update.effective_user
    assert user is not None
    try:
        waiting = await context.services.mentoring.pending(actor=user.id)
    except NotAllowed:
        await refuse(update, context)
        return
    if not waiting:
        await _say(update, "No mentoring request is waiting. 🎉")
        return
    rows = [
        [InlineKeyboardButton(f"{r.label} · {r.country} · {r.sector}", callback_data=f"mc:card:{r.id}")]
        for r in waiting[:30]
    ]
    await _say(update, f"🤝 {len(waiting)} waiting:", InlineKeyboardMarkup(rows))


def _mentor_line(mentor: MentorView) -> str:
    state = "active" if mentor.active else "paused"
    return (
        f"{mentor.id}. <b>{esc(mentor.name)}</b> · {state} · {mentor.taken}/{mentor.capacity} mentees · "
        f"{','.join(mentor.countries)} · {','.join(mentor.sectors)} · {','.join(mentor.languages)}"
    )


def _pause_buttons(mentors: list[MentorView]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    f"{'⏸ Pause' if m.active else '▶️ Resume'} {m.name}"[:64],
                    callback_data=f"mc:{'pause' if m.active else 'resume'}:{m.id}",
                )
            ]
            for m in mentors[:40]
        ]
    )


async def mentors_command(update: Update, context: InterHubContext) -> None:
    """``/mentors``: every mentor with their load, and a Pause or Resume button each."""
    user = update.effective_user
    assert user is not None
    if not await context.services.roles.allows(user.id, "mentoring.manage"):
        await refuse(update, context)
        return
    mentors = await context.services.mentoring.mentors()
    if not mentors:
        await _say(update, "No mentors yet: interhub mentors add FILE.yml")
        return
    await _say(update, "\n".join(["🤝 Mentors", *map(_mentor_line, mentors)]), _pause_buttons(mentors))


async def on_pause(update: Update, context: InterHubContext) -> None:
    """Pauses or resumes a mentor (a coach of one of the mentor's countries)."""
    query = update.callback_query
    assert query is not None
    match = PAUSE.match(query.data or "")
    assert match is not None
    w = await who(update, context)
    try:
        mentor = await context.services.mentoring.set_active(
            int(match.group(2)), match.group(1) == "resume", actor=query.from_user.id
        )
    except NotAllowed:
        await query.answer(w._("Sorry, this command is only for the InterHub team."), show_alert=True)
        return
    except MentoringError:
        await query.answer(w._("This button is no longer valid. Please use /menu."), show_alert=True)
        return
    await query.answer("Resumed" if mentor.active else "Paused")
    await query.edit_message_text(
        "\n".join(["🤝 Mentors", *map(_mentor_line, await context.services.mentoring.mentors())]),
        reply_markup=_pause_buttons(await context.services.mentoring.mentors()),
    )


def _handlers(coach_chat_id: int | None) -> list[BaseHandler[Update, InterHubContext, Any]]:
    found: list[BaseHandler[Update, InterHubContext, Any]] = [
        CallbackQueryHandler(on_card, pattern=CARD),
        CallbackQueryHandler(on_pause, pattern=PAUSE),
    ]
    if coach_chat_id is not None:
        in_coach_chat = filters.Chat(chat_id=coach_chat_id)
        found += [
            CommandHandler("mentors", mentors_command, filters=in_coach_chat),
            CommandHandler("mentorrequests", requests_command, filters=in_coach_chat),
        ]
    return found


def feature(coach_chat_id: int | None) -> Feature:
    """The coaches' side of mentoring, wired to the coaches' chat of this installation."""
    return Feature(
        name="mentoring_coach",
        handlers=lambda: _handlers(coach_chat_id),
        commands=(
            Command("mentors", "Mentors: pause or resume", mentors_command, staff=True),
            Command("mentorrequests", "Mentoring requests waiting for a coach", requests_command, staff=True),
        ),
    )
