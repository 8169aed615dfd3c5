"""Mentoring for everyone: the request conversation (``/mentoring``, the menu, the intent, ``/start
mentoring``), the proposals, and ``/mymentoring`` with Cancel and Completed.

The conversation is drawn in ``mentoring.mmd`` beside this module. Ranking, states and capacity are decided
in ``actions.mentoring``; the coaches' card is ``bot.handlers.mentoring_coach``.
"""

from __future__ import annotations

import logging
import re
import warnings
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from actions.ask import AskResult
from actions.mentor_ranking import Wish
from actions.mentoring import AVAILABILITY, NEED_CHARS, MentoringError, RequestView
from actions.mentoring_jobs import AVAILABILITY_WORDS, STATE_WORDS, mentor_card
from actions.models import COUNTRIES, SECTORS
from bot import keyboards
from bot.context import InterHubContext, Who, who
from bot.features import Command, Feature, MenuEntry
from bot.handlers.mentoring_coach import post_card
from bot.messaging import esc
from bot.replies import reply
from core.i18n import LANGUAGE_NAMES, N_, SUPPORTED_LANGUAGES

log = logging.getLogger(__name__)
NEED, SECTOR, LANGUAGES, COUNTRY, AVAILABLE, PICK = range(6)
CONVERSATION_NAME = "mentoring"
_DRAFT = "mentoring_draft"
START = re.compile(r"^mr:start$")
SECTOR_BUTTON = re.compile(rf"^mr:sec:({'|'.join(SECTORS)})$")
LANGUAGE_BUTTON = re.compile(rf"^mr:lang:({'|'.join(SUPPORTED_LANGUAGES)}|done)$")
COUNTRY_BUTTON = re.compile(rf"^mr:cty:({'|'.join(COUNTRIES)})$")
AVAILABLE_BUTTON = re.compile(rf"^mr:av:({'|'.join(AVAILABILITY)})$")
PICK_BUTTON = re.compile(r"^mr:pick:(\d{1,9}|coach)$")
STOP_BUTTON = re.compile(r"^mr:stop$")
#: Outside the conversation: ``mr:mine``, ``mr:cancel:<request id>``, ``mr:done:<request id>``.
MINE = re.compile(r"^mr:(mine|cancel|done)(?::(\d{1,9}))?$")
STEP_TEXT = N_("Please choose one of the buttons above (or /cancel).")
DONE_LABEL = N_("✅ Done")


def _draft(context: InterHubContext) -> dict[str, Any]:
    assert context.user_data is not None, "private-chat updates always have a user"
    found = context.user_data.setdefault(_DRAFT, {})
    assert isinstance(found, dict)
    return found


async def _answer(update: Update) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer()


async def _clear_buttons(update: Update) -> None:
    query = update.callback_query
    if query is not None and query.message is not None:
        await query.edit_message_reply_markup(None)


def _intro_buttons(w: Who) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(w._("🤝 Request a mentor"), callback_data="mr:start")],
            [InlineKeyboardButton(w._("📋 My mentoring"), callback_data="mr:mine")],
            [InlineKeyboardButton(w._("⬅️ Main menu"), callback_data="menu:home")],
        ]
    )


async def show_intro(context: InterHubContext, w: Who) -> None:
    """What mentoring is, with Request a mentor and My mentoring (menu, intent, deep link)."""
    text = w._(
        "🤝 <b>Mentoring</b>\nAn experienced entrepreneur can accompany you for a few months. Tell me what "
        "you need; I will suggest up to three mentors, and a coach will confirm."
    )
    await reply(context, w, text, _intro_buttons(w), intent="request_mentoring")


async def start(update: Update, context: InterHubContext) -> int:
    """Checks for an open request, then asks what the person needs (only kept with consent)."""
    await _answer(update)
    w = await who(update, context)
    current = await _open_request(context, w)
    if current is not None:
        text = w._("You already have a mentoring request ({label}: {state}). See /mymentoring.").format(
            label=current.label, state=w._(STATE_WORDS[current.state])
        )
        await reply(context, w, text, intent="request_mentoring")
        return ConversationHandler.END
    assert context.user_data is not None
    context.user_data[_DRAFT] = {"languages": [w.lang]}
    if not w.profile.has_consent:
        note = w._(
            "You chose not to keep a profile, so I will not store a description of your needs. "
            "A coach will see your sector, languages, country and availability."
        )
        await reply(context, w, note)
        return await _ask_sector(context, w)
    text = w._(
        "1/5 What would you like help with? Write a few sentences (up to 1000 characters), or /cancel."
    )
    await reply(context, w, text, intent="request_mentoring")
    return NEED


async def need(update: Update, context: InterHubContext) -> int | None:
    """Stores what the person needs and asks for the sector."""
    w = await who(update, context)
    message = update.effective_message
    text = (message.text or "").strip() if message else ""
    if not 10 <= len(text) <= NEED_CHARS:
        await reply(context, w, w._("Please write between 10 and 1000 characters about what you need:"))
        return None
    _draft(context)["need"] = text
    return await _ask_sector(context, w)


async def _ask_sector(context: InterHubContext, w: Who) -> int:
    markup = keyboards.sector_picker(w._, "mr:sec")
    await reply(context, w, w._("2/5 In which sector is your business?"), markup)
    return SECTOR


def _language_buttons(w: Who, chosen: list[str]) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(
            ("✅ " if code in chosen else "") + LANGUAGE_NAMES[code], callback_data=f"mr:lang:{code}"
        )
        for code in SUPPORTED_LANGUAGES
    ]
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    rows.append([InlineKeyboardButton(w._(DONE_LABEL), callback_data="mr:lang:done")])
    return InlineKeyboardMarkup(rows)


async def sector(update: Update, context: InterHubContext) -> int:
    """Stores the sector and asks for the languages (the person's own is preselected)."""
    query = update.callback_query
    assert query is not None
    match = SECTOR_BUTTON.match(query.data or "")
    assert match is not None
    await query.answer()
    await _clear_buttons(update)
    w = await who(update, context)
    draft = _draft(context)
    draft["sector"] = match.group(1)
    text = w._("3/5 In which languages would you like to talk with your mentor? Tap to select, then Done.")
    await reply(context, w, text, _language_buttons(w, draft["languages"]))
    return LANGUAGES


async def language(update: Update, context: InterHubContext) -> int | None:
    """Toggles a language; Done asks for the country."""
    query = update.callback_query
    assert query is not None
    match = LANGUAGE_BUTTON.match(query.data or "")
    assert match is not None
    w = await who(update, context)
    draft = _draft(context)
    chosen: list[str] = draft.setdefault("languages", [])
    if match.group(1) == "done":
        if not chosen:
            await query.answer(w._("Please choose at least one language."), show_alert=True)
            return None
        await query.answer()
        await _clear_buttons(update)
        markup = keyboards.country_picker(w._, "mr:cty")
        await reply(context, w, w._("4/5 In which country is your business?"), markup)
        return COUNTRY
    code = match.group(1)
    chosen.remove(code) if code in chosen else chosen.append(code)
    await query.answer()
    await query.edit_message_reply_markup(_language_buttons(w, chosen))
    return None


async def country(update: Update, context: InterHubContext) -> int:
    """Stores the country and asks when the person is free."""
    query = update.callback_query
    assert query is not None
    match = COUNTRY_BUTTON.match(query.data or "")
    assert match is not None
    await query.answer()
    await _clear_buttons(update)
    w = await who(update, context)
    _draft(context)["country"] = match.group(1)
    rows = [
        [InlineKeyboardButton(w._(label), callback_data=f"mr:av:{key}")]
        for key, label in AVAILABILITY_WORDS.items()
    ]
    await reply(context, w, w._("5/5 When are you usually free?"), InlineKeyboardMarkup(rows))
    return AVAILABLE


def _wish(draft: dict[str, Any]) -> Wish:
    return Wish(draft["sector"], tuple(draft["languages"]), draft["country"])


async def available(update: Update, context: InterHubContext) -> int:
    """Stores the availability and shows up to three mentors, or says none fits yet."""
    query = update.callback_query
    assert query is not None
    match = AVAILABLE_BUTTON.match(query.data or "")
    assert match is not None
    await query.answer()
    await _clear_buttons(update)
    w = await who(update, context)
    draft = _draft(context)
    draft["availability"] = match.group(1)
    found = await context.services.mentoring.propose(_wish(draft))
    draft["proposals"] = [m.mentor.id for m in found]
    rows = []
    if found:
        lines = [w._("Here are the mentors who fit best. Choose one, or let the coach choose:")]
        for number, ranked in enumerate(found, start=1):
            mentor = await context.services.mentoring.mentor(ranked.mentor.id)
            assert mentor is not None
            lines += ["", f"{number}. {mentor_card(mentor, w.lang)}", f"<i>{ranked.explain(w._)}</i>"]
            label = w._("Choose {name}").format(name=mentor.name)
            rows.append([InlineKeyboardButton(label[:64], callback_data=f"mr:pick:{mentor.id}")])
    else:
        lines = [
            w._(
                "No mentor matches all of this right now. You can still send the request: "
                "a coach will look for someone."
            )
        ]
    rows.append([InlineKeyboardButton(w._("👥 Let the coach choose"), callback_data="mr:pick:coach")])
    rows.append([InlineKeyboardButton(w._("✖️ Cancel"), callback_data="mr:stop")])
    await reply(context, w, "\n".join(lines), InlineKeyboardMarkup(rows), intent="mentoring_proposals")
    return PICK


async def pick(update: Update, context: InterHubContext) -> int | None:
    """Sends the request (with the chosen mentor, or for the coach to choose) to the coaches' chat."""
    query = update.callback_query
    assert query is not None and context.user_data is not None
    match = PICK_BUTTON.match(query.data or "")
    assert match is not None
    w = await who(update, context)
    draft = _draft(context)
    choice = None if match.group(1) == "coach" else int(match.group(1))
    if choice is not None and choice not in draft.get("proposals", []):
        await query.answer(w._("This button is no longer valid. Please use /menu."), show_alert=True)
        return None
    if context.services.coach_chat_id is None:
        await query.answer(w._("Sorry, no coach is available in this installation yet."), show_alert=True)
        return None
    try:
        request = await context.services.mentoring.request(
            w.profile.pseudonym,
            _wish(draft),
            availability=draft["availability"],
            need=draft.get("need") if w.profile.has_consent else None,
            mentor_id=choice,
        )
    except MentoringError:
        await query.answer(w._("This button is no longer valid. Please use /menu."), show_alert=True)
        context.user_data.pop(_DRAFT, None)
        return ConversationHandler.END
    await query.answer()
    await _clear_buttons(update)
    context.user_data.pop(_DRAFT, None)
    try:
        await post_card(context, request)
    except TelegramError:  # the request is stored: the 72 h reminder and /mentorrequests still show it
        log.warning("could not post the card of %s to the coaches", request.label)
    text = w._(
        "✅ Your request {label} was sent to the coaches. They usually answer within three days; when one "
        "approves, I will introduce you and your mentor to each other here."
    ).format(label=request.label)
    await reply(context, w, text, intent="request_mentoring")
    return ConversationHandler.END


async def stray(update: Update, context: InterHubContext) -> int | None:
    """Asks for the buttons when the person typed instead of choosing."""
    w = await who(update, context)
    await reply(context, w, w._(STEP_TEXT))
    return None


async def stop(update: Update, context: InterHubContext) -> int:
    """Stops; nothing is sent."""
    assert context.user_data is not None
    await _answer(update)
    await _clear_buttons(update)
    context.user_data.pop(_DRAFT, None)
    w = await who(update, context)
    await reply(context, w, w._("OK, I stopped. Nothing was sent."), w.main_menu())
    return ConversationHandler.END


def build() -> ConversationHandler[InterHubContext]:
    """Wire the request states; every state has /cancel and an answer to unexpected input."""
    private = filters.ChatType.PRIVATE
    typed = private & filters.TEXT & ~filters.COMMAND

    def buttons(
        pattern: re.Pattern[str], callback: Any
    ) -> list[BaseHandler[Update, InterHubContext, object]]:
        return [CallbackQueryHandler(callback, pattern=pattern), MessageHandler(typed, stray)]

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*per_message.*", category=PTBUserWarning)
        return ConversationHandler(
            entry_points=[
                CommandHandler("mentoring", start, filters=private),
                CallbackQueryHandler(start, pattern=START),
            ],
            states={
                NEED: [MessageHandler(typed, need)],
                SECTOR: buttons(SECTOR_BUTTON, sector),
                LANGUAGES: buttons(LANGUAGE_BUTTON, language),
                COUNTRY: buttons(COUNTRY_BUTTON, country),
                AVAILABLE: buttons(AVAILABLE_BUTTON, available),
                PICK: buttons(PICK_BUTTON, pick),
            },
            fallbacks=[
                CommandHandler("cancel", stop),
                CallbackQueryHandler(stop, pattern=STOP_BUTTON),
                CommandHandler("mentoring", start, filters=private),
                CallbackQueryHandler(start, pattern=START),
            ],
            name=CONVERSATION_NAME,
            persistent=True,
            allow_reentry=True,
        )


# --- /mymentoring ------------------------------------------------------------------------------------------


async def _open_request(context: InterHubContext, w: Who) -> RequestView | None:
    requests = await context.services.mentoring.requests_of(w.profile.pseudonym)
    return next((r for r in requests if r.state in ("requested", "approved", "active")), None)


async def show_mine(context: InterHubContext, w: Who) -> None:
    """The person's latest request and its state, with Cancel (or Completed once approved)."""
    requests = await context.services.mentoring.requests_of(w.profile.pseudonym)
    if not requests:
        markup = InlineKeyboardMarkup(
            [[InlineKeyboardButton(w._("🤝 Request a mentor"), callback_data="mr:start")]]
        )
        await reply(context, w, w._("You have no mentoring request yet."), markup, intent="my_mentoring")
        return
    latest = requests[0]
    lines = [w._("🤝 <b>Your mentoring</b>"), f"{latest.label}: {w._(STATE_WORDS[latest.state])}"]
    if latest.mentor_id is not None and latest.state in ("approved", "active", "completed"):
        mentor = await context.services.mentoring.mentor(latest.mentor_id)
        if mentor is not None:
            lines.append(w._("Mentor: {name}").format(name=esc(mentor.name)))
    rows = []
    if latest.state in ("approved", "active"):
        rows.append(
            [InlineKeyboardButton(w._("🏁 Mentoring completed"), callback_data=f"mr:done:{latest.id}")]
        )
    if latest.state in ("requested", "approved", "active"):
        rows.append(
            [InlineKeyboardButton(w._("✖️ Cancel my request"), callback_data=f"mr:cancel:{latest.id}")]
        )
    else:
        rows.append([InlineKeyboardButton(w._("🤝 Request a mentor"), callback_data="mr:start")])
    await reply(context, w, "\n".join(lines), InlineKeyboardMarkup(rows), intent="my_mentoring")


async def on_mine(update: Update, context: InterHubContext) -> None:
    """My mentoring, Cancel my request, Mentoring completed."""
    query = update.callback_query
    assert query is not None
    match = MINE.match(query.data or "")
    assert match is not None
    w = await who(update, context)
    action, number = match.group(1), match.group(2)
    if action == "mine":
        await query.answer()
        await show_mine(context, w)
        return
    if number is None:
        await query.answer(w._("This button is no longer valid. Please use /menu."), show_alert=True)
        return
    service = context.services.mentoring
    try:
        if action == "cancel":
            done = await service.cancel(int(number), w.profile.pseudonym)
            text = w._("Your request {label} is cancelled.").format(label=done.label)
        else:
            done = await service.complete(int(number), w.profile.pseudonym)
            text = w._("Thank you! {label} is marked as completed.").format(label=done.label)
    except MentoringError:
        await query.answer(w._("This button is no longer valid. Please use /menu."), show_alert=True)
        return
    await query.answer()
    await _clear_buttons(update)
    await reply(context, w, text, intent="my_mentoring")


async def mymentoring_command(update: Update, context: InterHubContext) -> None:
    """``/mymentoring``."""
    await show_mine(context, await who(update, context))


async def _intent(context: InterHubContext, w: Who, result: AskResult) -> None:
    await show_intro(context, w)


async def _link(context: InterHubContext, w: Who, ref: str | None) -> None:
    await show_intro(context, w)


#: The conversation alone, listed before the general commands in ``bot.app`` so it gets its own /cancel.
CONVERSATION = Feature(name="mentoring_request", handlers=lambda: [build()])
#: Everything else, listed where the menu entry belongs.
FEATURE = Feature(
    name="mentoring",
    handlers=lambda: [CallbackQueryHandler(on_mine, pattern=MINE)],
    commands=(
        Command("mentoring", N_("Ask for a mentor"), start, served_by_handlers=True),
        Command("mymentoring", N_("Your mentoring request"), mymentoring_command),
    ),
    menu=(MenuEntry("mentoring", N_("🤝 Mentoring"), show_intro),),
    deep_links={"mentoring": _link},
    intents={"request_mentoring": _intent},
)
