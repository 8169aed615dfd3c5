"""The coach's edit conversation: change title, description, start, end, place, sectors, seats, deadline
or a translation, see the preview after each change, then save once.

Opened by the ✏️ Edit button of an event (``/coachevents``) or ``/editevent ID``; drawn in
``events_edit.mmd``. Saving calls ``EventService.edit``, which checks the role again, moves the reminders
and tells everyone enrolled or waiting when the time or the place changed.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import replace
from datetime import datetime
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from actions.events import EventDraft, EventError, EventView, validate
from actions.models import utcnow
from actions.roles import NotAllowed
from bot.context import InterHubContext, Who, who
from bot.handlers.events_forms import (
    ASK_END_AGAIN,
    ASK_PLACE_AGAIN,
    ASK_SEATS_AGAIN,
    ASK_SHORTER,
    ASK_START_AGAIN,
    ASK_TITLE_AGAIN,
    CHOOSE_BUTTON,
    EDIT_PREFIX,
    EXPIRED,
    FOR_STAFF,
    STATUS_NAMES,
    manage_buttons,
    parse_end,
    parse_place,
    parse_seats,
    parse_sectors,
    parse_when,
    preview,
    say,
    sector_choices,
    summary,
    typed,
)
from bot.messaging import esc
from core.i18n import N_, SUPPORTED_LANGUAGES, Translate

MENU, VALUE = range(2)
CONVERSATION_NAME = "editevent"
_EDIT = "edit_event"
OPEN_BUTTON = re.compile(rf"^{EDIT_PREFIX}(\d{{1,9}})$")
FIELDS = {
    "title": N_("Title"),
    "description": N_("Description"),
    "start": N_("Start"),
    "end": N_("End"),
    "place": N_("Place"),
    "sectors": N_("Sectors"),
    "capacity": N_("Seats"),
    "deadline": N_("Enrolment deadline"),
    "translation": N_("Translation"),
}
FIELD_BUTTON = re.compile(rf"^eve:field:({'|'.join(FIELDS)})$")
DONE_BUTTON = re.compile(r"^eve:(save|cancel)$")
PROMPTS = {
    "title": N_("The new title (3 to 200 characters):"),
    "description": N_("The new description (up to 2000 characters), or - for none:"),
    "start": N_(
        "The new start in the venue's time ({zone}), as YYYY-MM-DD HH:MM; the length stays the same:"
    ),
    "end": N_("The new end: HH:MM on the same day, or YYYY-MM-DD HH:MM:"),
    "place": N_("The new address, or the online link (https://…):"),
    "sectors": N_("The sectors this event is for, separated by commas ({choices}), or - for everyone:"),
    "capacity": N_("The new number of seats, or 0 for no limit:"),
    "translation": N_(
        "A translation, as language code: title | description (the description is optional), "
        "e.g. de: Preise kalkulieren | Wie Sie Preise setzen. Codes: {choices}. Send only the code "
        "and the colon (de:) to remove one:"
    ),
    "deadline": N_(
        "The last moment to enrol, as YYYY-MM-DD HH:MM in the venue's time ({zone}), or - for the start:"
    ),
}


def _state(context: InterHubContext) -> dict[str, Any]:
    assert context.user_data is not None, "private-chat updates always have a user"
    found = context.user_data.setdefault(_EDIT, {})
    assert isinstance(found, dict)
    return found


def _base(event: EventView) -> EventDraft:
    return EventDraft(
        title=event.title,
        description=event.description,
        language=event.language,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        timezone=event.timezone,
        country=event.country,
        city=event.city,
        organiser=event.organiser,
        venue=event.venue,
        online_url=event.online_url,
        sectors=event.sectors,
        capacity=event.capacity,
        enrol_deadline=None if event.enrol_deadline == event.starts_at else event.enrol_deadline,
        translations={lang: dict(texts) for lang, texts in event.translations.items()},
    )


def _changes(stored: dict[str, Any]) -> dict[str, Any]:
    """The changes kept in the conversation (JSON: times as ISO text) as ``EventService.edit`` takes them."""
    times = ("starts_at", "ends_at", "enrol_deadline")
    changes: dict[str, Any] = {
        key: datetime.fromisoformat(value) if key in times and value is not None else value
        for key, value in stored.items()
    }
    if "sectors" in changes:
        changes["sectors"] = tuple(changes["sectors"])
    return changes


def _merged(event: EventView, stored: dict[str, Any]) -> EventDraft:
    return replace(_base(event), **_changes(stored))


def _menu(_: Translate, event: EventView, stored: dict[str, Any]) -> tuple[str, InlineKeyboardMarkup]:
    draft = _merged(event, stored)
    lines = [
        _("✏️ Editing event {id}. Choose what to change, then save. /cancel stops without saving.").format(
            id=event.id
        ),
        "",
        preview(_, draft),
    ]
    moved = {"starts_at", "ends_at", "venue", "online_url"} & set(stored)
    people = event.confirmed + event.waitlisted
    if moved and event.status == "published" and people:
        lines += [
            "",
            _.ngettext(
                "📣 The {count} person enrolled or waiting will be told the new details.",
                "📣 The {count} people enrolled or waiting will be told the new details.",
                people,
            ).format(count=people),
        ]
    names = list(FIELDS.items())
    rows = [
        [InlineKeyboardButton(_(label), callback_data=f"eve:field:{key}") for key, label in names[i : i + 2]]
        for i in range(0, len(names), 2)
    ]
    rows.append(
        [
            InlineKeyboardButton(_("💾 Save changes"), callback_data="eve:save"),
            InlineKeyboardButton(_("✖️ Cancel"), callback_data="eve:cancel"),
        ]
    )
    return "\n".join(lines), InlineKeyboardMarkup(rows)


async def _editable(update: Update, context: InterHubContext, w: Who, event_id: int) -> EventView | None:
    """The event if the person may edit it now; otherwise they are told why and None is returned."""
    user = update.effective_user
    assert user is not None
    query = update.callback_query
    try:
        return await context.services.events.editable(event_id, actor=user.id)
    except NotAllowed:
        text = w._(FOR_STAFF)
    except EventError:
        event = await context.services.events.get(event_id)
        if event is None:
            text = w._(EXPIRED)
        else:
            status = w._(STATUS_NAMES[event.status])
            text = w._("Not possible now: this event is {status}.").format(status=status)
    if query is not None:
        await query.answer(text, show_alert=True)
    else:
        await say(update, text)
    return None


async def open_edit(update: Update, context: InterHubContext) -> int:
    """Checks the role and the event, and shows the event with the fields to change."""
    w = await who(update, context)
    query = update.callback_query
    if query is not None:
        match = OPEN_BUTTON.match(query.data or "")
        assert match is not None
        event_id = int(match.group(1))
    else:
        args = context.args or []
        if len(args) != 1 or not args[0].isdigit() or len(args[0]) > 9:
            await say(update, w._("Please write the event's number: /editevent 12 (see /coachevents)."))
            return ConversationHandler.END
        event_id = int(args[0])
    event = await _editable(update, context, w, event_id)
    if event is None:
        return ConversationHandler.END
    if query is not None:
        await query.answer()
    assert context.user_data is not None
    context.user_data[_EDIT] = {"id": event.id, "changes": {}}
    text, markup = _menu(w._, event, {})
    await say(update, text, markup)
    return MENU


async def choose(update: Update, context: InterHubContext) -> int:
    """Asks for the new value of the chosen field."""
    query = update.callback_query
    assert query is not None
    match = FIELD_BUTTON.match(query.data or "")
    assert match is not None
    await query.answer()
    w, state = await who(update, context), _state(context)
    event = await context.services.events.get(int(state.get("id", 0)))
    if event is None:
        await say(update, w._(EXPIRED))
        return ConversationHandler.END
    state["field"] = match.group(1)
    prompt = w._(PROMPTS[match.group(1)])
    choices = language_choices(event) if match.group(1) == "translation" else sector_choices(w._)
    await say(update, prompt.format(zone=event.timezone, choices=choices))
    return VALUE


def _parse(field: str, text: str, draft: EventDraft, taken: int, _: Translate) -> dict[str, Any] | str:
    """The changes a typed value makes (JSON-ready), or the text asking again."""
    zone = draft.timezone
    if field == "title":
        return {"title": text} if 3 <= len(text) <= 200 else _(ASK_TITLE_AGAIN)
    if field == "description":
        return {"description": "" if text == "-" else text} if len(text) <= 2000 else _(ASK_SHORTER)
    if field == "place":
        found = parse_place(text)
        return _(ASK_PLACE_AGAIN) if found is None else dict(found)
    if field == "sectors":
        sectors = parse_sectors(text, _)
        if sectors is None:
            return _("Please use these sectors, separated by commas: {choices}; or - for everyone:").format(
                choices=sector_choices(_)
            )
        return {"sectors": list(sectors)}
    if field == "translation":
        return _translation(text, draft, _)
    if field == "capacity":
        seats = parse_seats(text)
        if seats == -1:
            return _(ASK_SEATS_AGAIN)
        if seats is not None and seats < taken:
            return _.ngettext(
                "{count} person already has a seat: please send {count} or more, or 0 for no limit:",
                "{count} people already have a seat: please send {count} or more, or 0 for no limit:",
                taken,
            ).format(count=taken)
        return {"capacity": seats}
    if field == "start":
        moment = parse_when(text, zone)
        if moment is None or moment <= utcnow():
            return _(ASK_START_AGAIN)
        length = draft.ends_at - draft.starts_at
        return {"starts_at": moment.isoformat(), "ends_at": (moment + length).isoformat()}
    if field == "end":
        moment = parse_end(text, draft.starts_at, zone)
        return _(ASK_END_AGAIN) if moment is None else {"ends_at": moment.isoformat()}
    if text == "-":
        return {"enrol_deadline": None}
    moment = parse_when(text, zone)
    if moment is None or moment > draft.starts_at:
        return _("The deadline must not be after the start: YYYY-MM-DD HH:MM, or - for the start:")
    return {"enrol_deadline": moment.isoformat()}


def language_choices(event: EventView) -> str:
    """The codes a coach may translate into (every supported language but the event's own)."""
    return ", ".join(lang for lang in SUPPORTED_LANGUAGES if lang != event.language)


def _translation(text: str, draft: EventDraft, _: Translate) -> dict[str, Any] | str:
    """``de: title | description`` adds or replaces a translation; ``de:`` removes it."""
    match = re.fullmatch(r"([a-z]{2})\s*:\s*(.*)", text, flags=re.DOTALL)
    again = _("Please write it as code: title | description, e.g. de: Preise kalkulieren. Codes: {choices}:")
    codes = [lang for lang in SUPPORTED_LANGUAGES if lang != draft.language]
    if match is None or match.group(1) not in codes:
        return again.format(choices=", ".join(codes))
    lang, rest = match.group(1), match.group(2).strip()
    translations = {code: dict(texts) for code, texts in draft.translations.items() if code != lang}
    if rest:
        title, _bar, description = (part.strip() for part in rest.partition("|"))
        if not 3 <= len(title) <= 200 or len(description) > 2000:
            return again.format(choices=", ".join(codes))
        translations[lang] = {"title": title, **({"description": description} if description else {})}
    return {"translations": translations}


async def value(update: Update, context: InterHubContext) -> int | None:
    """Checks the typed value; shows the preview with the change, or asks again."""
    w, state = await who(update, context), _state(context)
    event = await context.services.events.get(int(state.get("id", 0)))
    field = str(state.get("field", ""))
    if event is None or field not in FIELDS:
        await say(update, w._(EXPIRED))
        return ConversationHandler.END
    stored = dict(state.get("changes", {}))
    found = _parse(field, typed(update), _merged(event, stored), event.confirmed + event.attended, w._)
    if isinstance(found, str):
        await say(update, found)
        return None
    candidate = {**stored, **found}
    try:
        validate(_merged(event, candidate))
    except EventError as problem:
        await say(
            update,
            w._("That does not fit the rest of the event ({problem}). Please send it again:").format(
                problem=esc(str(problem))
            ),
        )
        return None
    state["changes"] = candidate
    text, markup = _menu(w._, event, candidate)
    await say(update, text, markup)
    return MENU


async def finish(update: Update, context: InterHubContext) -> int:
    """Saves the changes (Save) or drops them (Cancel)."""
    query = update.callback_query
    assert query is not None and context.user_data is not None
    match = DONE_BUTTON.match(query.data or "")
    assert match is not None
    await query.answer()
    await query.edit_message_reply_markup(None)
    state = context.user_data.pop(_EDIT, {})
    w = await who(update, context)
    changes = _changes(dict(state.get("changes", {})))
    if match.group(1) == "cancel" or not changes:
        await say(update, w._("Editing stopped; nothing was changed."))
        return ConversationHandler.END
    event_id = int(state.get("id", 0))
    try:
        edited = await context.services.events.edit(event_id, changes, actor=query.from_user.id)
    except NotAllowed:
        await say(update, w._(FOR_STAFF))
        return ConversationHandler.END
    except EventError as problem:
        text = w._("The changes could not be saved ({problem}); nothing was changed.")
        await say(update, text.format(problem=esc(str(problem))))
        return ConversationHandler.END
    lines = [w._("✅ Event {id} saved.").format(id=event_id)]
    if edited.moved:
        lines.append(w._("⏰ The reminders moved to the new time."))
    if edited.told:
        told = w._.ngettext(
            "📣 {count} person will be told the new details.",
            "📣 {count} people will be told the new details.",
            edited.told,
        )
        lines.append(told.format(count=edited.told))
    if edited.promoted:
        promoted = w._.ngettext(
            "🎉 {count} person from the waiting list got a seat.",
            "🎉 {count} people from the waiting list got a seat.",
            edited.promoted,
        )
        lines.append(promoted.format(count=edited.promoted))
    lines += ["", summary(w._, edited.event)]
    await say(update, "\n".join(lines), manage_buttons(w._, edited.event))
    return ConversationHandler.END


async def stray(update: Update, context: InterHubContext) -> int | None:
    """Asks for the buttons when the coach typed instead of choosing."""
    await say(update, (await who(update, context))._(CHOOSE_BUTTON))
    return None


async def cancel(update: Update, context: InterHubContext) -> int:
    """Stops; nothing is changed."""
    assert context.user_data is not None
    context.user_data.pop(_EDIT, None)
    await say(update, (await who(update, context))._("Editing stopped; nothing was changed."))
    return ConversationHandler.END


def build() -> ConversationHandler[InterHubContext]:
    """Wire the edit states; every state has /cancel and an answer to unexpected input."""
    private = filters.ChatType.PRIVATE
    text_only = private & filters.TEXT & ~filters.COMMAND
    entries: list[BaseHandler[Update, InterHubContext, Any]] = [
        CallbackQueryHandler(open_edit, pattern=OPEN_BUTTON),
        CommandHandler("editevent", open_edit, filters=private),
    ]
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*per_message.*", category=PTBUserWarning)
        return ConversationHandler(
            entry_points=entries,
            states={
                MENU: [
                    CallbackQueryHandler(choose, pattern=FIELD_BUTTON),
                    CallbackQueryHandler(finish, pattern=DONE_BUTTON),
                    MessageHandler(text_only, stray),
                ],
                VALUE: [MessageHandler(text_only, value)],
            },
            fallbacks=[CommandHandler("cancel", cancel), *entries],
            name=CONVERSATION_NAME,
            persistent=True,
            allow_reentry=True,
        )
