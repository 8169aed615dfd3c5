"""Questionnaires in the chat: one question at a time, buttons where the type allows, Back, Skip, Stop.

The position lives in the database (``actions.surveys.responses``), not in memory or in a PTB
conversation, so the menu, ``/feedback``, ``start=survey_<name>``, an invitation and the day-after-event
message can all start or continue one, and a restart loses nothing. Typed replies reach the questionnaire
only while the person is in it (``SurveyService.active_for``); otherwise they go on to the normal handlers.
"""

from __future__ import annotations

import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from actions.ask import AskResult
from actions.surveys.answers import InvalidAnswer, parse_typed
from actions.surveys.definitions import Definition, Question
from actions.surveys.responses import Progress, SurveyError
from bot.context import InterHubContext, Who, who
from bot.features import Command, Feature, MenuEntry
from bot.handlers import commands, content
from bot.messaging import esc
from bot.replies import reply
from core.i18n import N_

EVALUATION, EVENT_FORM = "evaluation", "event"
MAX_MISSES = 3
#: ``sv:<act>:<response>:<question>[:<value>]``: answer, toggle, done, back, skip (current question only).
STEP = re.compile(r"^sv:(a|t|d|b|s):(\d{1,9}):([a-z][a-z0-9_]{0,31})(?::([a-z0-9_]{1,32}))?$")
#: ``sv:<act>:<response>``: stop, continue, start over.
WHOLE = re.compile(r"^sv:(x|c|r):(\d{1,9})$")
#: ``sv:go:<name>[:<event id>]`` starts (invitation, event message); ``sv:later`` declines an invitation.
GO = re.compile(r"^sv:(?:go:([a-z][a-z0-9]{0,23})(?::(\d{1,9}))?|later)$")
HINTS = {
    "number": N_("Please send a number."),
    "range": N_("That number is outside the allowed range."),
    "buttons": N_("Please choose one of the buttons."),
    "empty": N_("Please type a few words."),
    "too_long": N_("That is too long: please keep it shorter."),
    "choose_one": N_("Please choose at least one option, then Done."),
}


def _tr(w: Who, texts: dict[str, str]) -> str:
    return texts.get(w.lang) or texts["en"]


def _question_text(w: Who, progress: Progress, question: Question) -> str:
    lines = [f"<b>{esc(_tr(w, progress.definition.title))}</b> · {progress.position}/{progress.total}"]
    if question.hint:
        lines.append(f"<i>{esc(_tr(w, question.hint))}</i>")
    lines.append(esc(_tr(w, question.text)))
    if question.type in ("likert5", "nps") and question.low and question.high:
        top, bottom = ("5", "1") if question.type == "likert5" else ("10", "0")
        lines.append(f"{bottom} = {esc(_tr(w, question.low))} · {top} = {esc(_tr(w, question.high))}")
    elif question.type == "number":
        lines.append(
            w._("Please type a number from {low} to {high}.").format(
                low=_number(question.minimum), high=_number(question.maximum)
            )
        )
    elif question.type == "text":
        lines.append(
            w._.ngettext(
                "Please type your answer (up to {limit} character).",
                "Please type your answer (up to {limit} characters).",
                question.max_length,
            ).format(limit=question.max_length)
        )
    if not question.required:
        lines.append(w._("(optional)"))
    return "\n".join(lines)


def _number(value: float | None) -> str:
    return str(int(value)) if value is not None and float(value).is_integer() else str(value)


def _keyboard(w: Who, progress: Progress, question: Question) -> InlineKeyboardMarkup:
    step = f"{progress.response_id}:{question.id}"
    rows: list[list[InlineKeyboardButton]] = []
    if question.type == "likert5":
        rows.append([InlineKeyboardButton(str(n), callback_data=f"sv:a:{step}:{n}") for n in range(1, 6)])
    elif question.type == "nps":
        points = [InlineKeyboardButton(str(n), callback_data=f"sv:a:{step}:{n}") for n in range(11)]
        rows += [points[:6], points[6:]]
    elif question.type == "single":
        rows += [
            [InlineKeyboardButton(_tr(w, c.label), callback_data=f"sv:a:{step}:{c.id}")]
            for c in question.choices
        ]
    elif question.type == "multi":
        for c in question.choices:
            mark = "☑️" if c.id in progress.pending else "▫️"
            rows.append(
                [InlineKeyboardButton(f"{mark} {_tr(w, c.label)}", callback_data=f"sv:t:{step}:{c.id}")]
            )
        rows.append([InlineKeyboardButton(w._("✅ Done"), callback_data=f"sv:d:{step}")])
    nav = []
    if progress.position > 1:
        nav.append(InlineKeyboardButton(w._("⬅️ Back"), callback_data=f"sv:b:{step}"))
    if not question.required:
        nav.append(InlineKeyboardButton(w._("⏭ Skip"), callback_data=f"sv:s:{step}"))
    nav.append(InlineKeyboardButton(w._("⏸ Stop"), callback_data=f"sv:x:{progress.response_id}"))
    rows.append(nav)
    return InlineKeyboardMarkup(rows)


async def ask(context: InterHubContext, w: Who, progress: Progress, lead: str | None = None) -> None:
    """Sends the current question, or the thanks once the response is submitted."""
    if progress.question is None:
        text = w._("🙏 Thank you! Your answers are saved. They help us make InterHub better.")
        await reply(context, w, text, w.main_menu(), intent="survey_done")
        return
    text = _question_text(w, progress, progress.question)
    if lead:
        text = f"{lead}\n\n{text}"
    await reply(context, w, text, _keyboard(w, progress, progress.question), intent="survey_question")


async def open_survey(context: InterHubContext, w: Who, name: str, event_id: int = 0) -> None:
    """Starts a questionnaire, offers to continue an unfinished one, or says it was already answered."""
    surveys = context.services.surveys
    definition = surveys.definitions.get(name)
    if definition is None or definition.per_event != bool(event_id):
        await reply(context, w, w._("This link is not valid any more. Here is the main menu."), w.main_menu())
        return
    if event_id and not await _attended(context, w, event_id):
        text = w._("This questionnaire is for the people who came to that event. Thank you all the same!")
        await reply(context, w, text, w.main_menu(), intent="survey_not_for_you")
        return
    found = await surveys.find(w.profile.pseudonym, name, event_id)
    if found is not None and found.submitted:
        text = w._("You have already answered this questionnaire. Thank you very much!")
        await reply(context, w, text, w.main_menu(), intent="survey_repeat")
        return
    if found is not None:
        await _offer_resume(context, w, found)
        return
    progress = await surveys.begin(
        w.profile.pseudonym,
        name,
        language=w.lang,
        event_id=event_id,
        country=w.profile.country,
        sector=w.profile.sector,
        free_text=w.profile.has_consent,
    )
    await ask(context, w, progress, _intro(w, definition))


def _intro(w: Who, definition: Definition) -> str:
    text = f"📝 <b>{esc(_tr(w, definition.title))}</b>\n{esc(_tr(w, definition.intro))}"
    return text + "\n" + w._("You can stop at any time with /cancel: your answers are kept.")


async def _offer_resume(context: InterHubContext, w: Who, progress: Progress) -> None:
    text = w._(
        "📝 You started <b>{title}</b> and stopped at question {position} of {total}. "
        "Shall we continue where you stopped?"
    ).format(title=esc(_tr(w, progress.definition.title)), position=progress.position, total=progress.total)
    rid = progress.response_id
    markup = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(w._("▶️ Continue"), callback_data=f"sv:c:{rid}")],
            [InlineKeyboardButton(w._("🔄 Start over"), callback_data=f"sv:r:{rid}")],
        ]
    )
    await reply(context, w, text, markup, intent="survey_resume")


async def _attended(context: InterHubContext, w: Who, event_id: int) -> bool:
    place = await context.services.events.place_of(event_id, w.profile.pseudonym)
    return place is not None and place.status == "attended"


async def on_step(update: Update, context: InterHubContext) -> None:
    """Answers, toggles, confirms, goes back or skips; a stale or forged button shows the current question."""
    query = update.callback_query
    assert query is not None
    match = STEP.match(query.data or "")
    assert match is not None
    act, rid, qid, value = match.group(1), int(match.group(2)), match.group(3), match.group(4)
    w = await who(update, context)
    surveys, me = context.services.surveys, w.profile.pseudonym
    try:
        if act == "a":
            # choice ids start with a letter, so digits are a point on a scale
            answer: object = int(value) if value and value.isdigit() else value
            progress = await surveys.answer(rid, me, qid, answer)
        elif act == "t":
            progress = await surveys.toggle(rid, me, qid, value or "")
        elif act == "d":
            progress = await surveys.done(rid, me, qid)
        elif act == "b":
            progress = await surveys.back(rid, me, qid)
        else:
            progress = await surveys.skip(rid, me, qid)
    except InvalidAnswer as problem:
        await query.answer(w._(HINTS[problem.reason]), show_alert=True)
        return
    except SurveyError:
        await _stale(update, context, w, rid)
        return
    await query.answer()
    if act == "t" and progress.question is not None:
        await query.edit_message_reply_markup(_keyboard(w, progress, progress.question))
        return
    await ask(context, w, progress)


async def _stale(update: Update, context: InterHubContext, w: Who, rid: int) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer(w._("This button is no longer valid. Please use /menu."), show_alert=True)
    try:
        progress = await context.services.surveys.progress(rid, w.profile.pseudonym)
    except SurveyError:
        return
    if not progress.submitted and progress.status == "active":
        await ask(context, w, progress)  # the question actually open, never an answered one


async def on_whole(update: Update, context: InterHubContext) -> None:
    """Stops, continues or starts over."""
    query = update.callback_query
    assert query is not None
    match = WHOLE.match(query.data or "")
    assert match is not None
    act, rid = match.group(1), int(match.group(2))
    w = await who(update, context)
    surveys, me = context.services.surveys, w.profile.pseudonym
    try:
        if act == "x":
            await surveys.pause(rid, me)
        elif act == "c":
            progress = await surveys.resume(rid, me)
        else:
            progress = await surveys.restart(rid, me)
    except SurveyError:
        await query.answer(w._("This button is no longer valid. Please use /menu."), show_alert=True)
        return
    await query.answer()
    if act == "x":
        await _stopped(context, w)
    else:
        await ask(context, w, progress)


async def _stopped(context: InterHubContext, w: Who) -> None:
    text = w._("⏸ Stopped. Your answers are kept: /feedback continues where you stopped.")
    await reply(context, w, text, w.main_menu(), intent="survey_paused")


async def on_go(update: Update, context: InterHubContext) -> None:
    """Starts from an invitation or the day-after-event message; "Not now" just says OK."""
    query = update.callback_query
    assert query is not None
    match = GO.match(query.data or "")
    assert match is not None
    w = await who(update, context)
    await query.answer()
    if match.group(1) is None:
        await reply(context, w, w._("OK, maybe another time. Thank you!"), intent="survey_later")
        return
    await open_survey(context, w, match.group(1), int(match.group(2) or 0))


async def typed(update: Update, context: InterHubContext) -> None:
    """Takes a typed answer while a questionnaire is open; any other text goes to the normal handler."""
    w = await who(update, context)
    progress = await context.services.surveys.active_for(w.profile.pseudonym)
    message = update.effective_message
    if progress is None or progress.question is None or message is None:
        await content.free_text(update, context)
        return
    surveys, question = context.services.surveys, progress.question
    try:
        value = parse_typed(question, message.text or "")
        progress = await surveys.answer(progress.response_id, w.profile.pseudonym, question.id, value)
    except InvalidAnswer as problem:
        await _missed(context, w, progress, problem.reason)
        return
    except SurveyError:
        await content.free_text(update, context)
        return
    await ask(context, w, progress)


async def _missed(context: InterHubContext, w: Who, progress: Progress, reason: str) -> None:
    assert progress.question is not None
    misses = await context.services.surveys.miss(
        progress.response_id, w.profile.pseudonym, progress.question.id
    )
    if misses < MAX_MISSES:
        await ask(context, w, progress, w._(HINTS[reason]))
        return
    # Paused, so further text is no longer taken as an answer: the offer, never a loop.
    await context.services.surveys.pause(progress.response_id, w.profile.pseudonym)
    step = f"{progress.response_id}:{progress.question.id}"
    rows = []
    if not progress.question.required:
        rows.append([InlineKeyboardButton(w._("⏭ Skip this question"), callback_data=f"sv:s:{step}")])
    rows.append([InlineKeyboardButton(w._("⏸ Stop for now"), callback_data=f"sv:x:{progress.response_id}")])
    text = w._(
        "It seems this question does not work for you. You can skip it if it is optional, "
        "or stop for now: your answers are kept."
    )
    await reply(context, w, text, InlineKeyboardMarkup(rows), intent="survey_missed")


async def cancel(update: Update, context: InterHubContext) -> None:
    """``/cancel`` in a questionnaire stops it and keeps the answers; elsewhere, the usual reply."""
    w = await who(update, context)
    progress = await context.services.surveys.active_for(w.profile.pseudonym)
    if progress is None:
        await commands.cancel_command(update, context)
        return
    await context.services.surveys.pause(progress.response_id, w.profile.pseudonym)
    await _stopped(context, w)


async def feedback_command(update: Update, context: InterHubContext) -> None:
    """``/feedback``: the InterHub evaluation."""
    await open_survey(context, await who(update, context), EVALUATION)


async def _from_menu(context: InterHubContext, w: Who) -> None:
    await open_survey(context, w, EVALUATION)


async def _from_intent(context: InterHubContext, w: Who, result: AskResult) -> None:
    await open_survey(context, w, EVALUATION)


async def _from_link(context: InterHubContext, w: Who, ref: str | None) -> None:
    """``start=survey_evaluation``, ``start=survey_event-12`` (with the event), ``start=feedback``."""
    name, _, event = (ref or EVALUATION).partition("-")
    await open_survey(context, w, name, int(event) if event.isdigit() else 0)


def _flow_handlers() -> list[BaseHandler[Update, InterHubContext, None]]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("cancel", cancel, filters=private),
        MessageHandler(private & filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND, typed),
    ]


def _handlers() -> list[BaseHandler[Update, InterHubContext, None]]:
    return [
        CallbackQueryHandler(on_step, pattern=STEP),
        CallbackQueryHandler(on_whole, pattern=WHOLE),
        CallbackQueryHandler(on_go, pattern=GO),
    ]


#: Typed answers and /cancel: listed early in ``bot.app`` (before the general /cancel and free text).
FLOW = Feature(name="survey_flow", handlers=_flow_handlers)

FEATURE = Feature(
    name="feedback",
    handlers=_handlers,
    commands=(Command("feedback", N_("A short questionnaire about InterHub"), feedback_command),),
    menu=(MenuEntry("feedback", N_("⭐ Feedback"), _from_menu),),
    deep_links={"survey": _from_link, "feedback": _from_link},
    intents={"give_feedback": _from_intent},
)
