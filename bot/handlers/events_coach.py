"""Events for coaches: the ``/newevent`` conversation, and ``/coachevents`` to publish, cancel, see who
enrolled (pseudonym and first name only) and tick attendance.

The conversation is drawn in ``events.mmd`` beside this module. Roles are checked again in
``actions.events`` (``events.manage`` for the event's country): these handlers only turn the outcome into
a reply. Like the other staff tools, the coaches' texts are English.
"""

from __future__ import annotations

import re
import warnings
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

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

from actions.event_jobs import place, when
from actions.events import COUNTRY_ZONES, EventDraft, EventError, EventView, validate
from actions.models import COUNTRIES, utcnow
from actions.roles import NotAllowed
from bot import keyboards
from bot.context import InterHubContext, Who, who
from bot.features import Command, Feature
from bot.handlers.staff import refuse
from bot.messaging import esc
from bot.replies import reply

TITLE, DESCRIPTION, COUNTRY, CITY, PLACE, START, END, CAPACITY, CONFIRM = range(9)
CONVERSATION_NAME = "newevent"
_DRAFT = "new_event"
COUNTRY_BUTTON = re.compile(rf"^evn:country:({'|'.join(COUNTRIES)})$")
CONFIRM_BUTTON = re.compile(r"^evn:(publish|draft|cancel)$")
#: ``evc:<action>:<event id>`` and ``evc:mark:<event id>:<pseudonym>`` (attendance checklist).
MANAGE = re.compile(r"^evc:(card|pub|cancel|cancelyes|list|att):(\d{1,9})$")
MARK = re.compile(r"^evc:mark:(\d{1,9}):(u_[0-9a-f]{16})$")
WHEN_FORMAT = "%Y-%m-%d %H:%M"


def _draft(context: InterHubContext) -> dict[str, Any]:
    assert context.user_data is not None, "private-chat updates always have a user"
    found = context.user_data.setdefault(_DRAFT, {})
    assert isinstance(found, dict)
    return found


def _text(update: Update) -> str:
    message = update.effective_message
    return (message.text or "").strip() if message else ""


async def _say(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    message = update.effective_message
    assert message is not None
    await message.reply_text(text, reply_markup=markup)


async def start(update: Update, context: InterHubContext) -> int:
    """Checks the role and asks for the title."""
    user = update.effective_user
    assert user is not None
    if not await context.services.roles.allows(user.id, "events.manage"):
        await refuse(update, context)
        return ConversationHandler.END
    assert context.user_data is not None
    context.user_data[_DRAFT] = {}
    await _say(update, "📅 New event. Send /cancel at any time.\n\n1/8 The title (3 to 200 characters):")
    return TITLE


async def title(update: Update, context: InterHubContext) -> int | None:
    """Stores the title and asks for the description."""
    text = _text(update)
    if not 3 <= len(text) <= 200:
        await _say(update, "The title needs 3 to 200 characters. Please send it again:")
        return None
    _draft(context)["title"] = text
    await _say(update, "2/8 A short description (up to 2000 characters), or - for none:")
    return DESCRIPTION


async def description(update: Update, context: InterHubContext) -> int | None:
    """Stores the description and asks for the country."""
    text = _text(update)
    if len(text) > 2000:
        await _say(update, "That is longer than 2000 characters. Please shorten it:")
        return None
    _draft(context)["description"] = "" if text == "-" else text
    w = await who(update, context)
    await _say(update, "3/8 In which country?", keyboards.country_picker(w._, "evn:country"))
    return COUNTRY


async def country(update: Update, context: InterHubContext) -> int:
    """Stores the country and asks for the city."""
    query = update.callback_query
    assert query is not None
    match = COUNTRY_BUTTON.match(query.data or "")
    assert match is not None
    await query.answer()
    await query.edit_message_reply_markup(None)
    _draft(context)["country"] = match.group(1)
    await _say(update, f"{match.group(1)} ✓\n\n4/8 The city:")
    return CITY


async def city(update: Update, context: InterHubContext) -> int | None:
    """Stores the city and asks for the place."""
    text = _text(update)
    if not 1 <= len(text) <= 80:
        await _say(update, "The city needs 1 to 80 characters. Please send it again:")
        return None
    _draft(context)["city"] = text
    await _say(update, "5/8 The venue's address, or the online link (https://…):")
    return PLACE


async def venue(update: Update, context: InterHubContext) -> int | None:
    """Stores the address or the link and asks for the start."""
    text = _text(update)
    if not 3 <= len(text) <= 300:
        await _say(update, "Please send an address (3 to 300 characters) or a link starting with https://")
        return None
    draft = _draft(context)
    draft["online_url" if text.startswith(("https://", "http://")) else "venue"] = text
    zone = COUNTRY_ZONES[draft["country"]]
    await _say(update, f"6/8 The start, in the venue's time ({zone}), as YYYY-MM-DD HH:MM:")
    return START


def _parse_when(text: str, zone: str) -> datetime | None:
    try:
        return datetime.strptime(text, WHEN_FORMAT).replace(tzinfo=ZoneInfo(zone))
    except ValueError:
        return None


async def start_time(update: Update, context: InterHubContext) -> int | None:
    """Stores the start (in the future) and asks for the end."""
    draft = _draft(context)
    moment = _parse_when(_text(update), COUNTRY_ZONES[draft["country"]])
    if moment is None or moment <= utcnow():
        await _say(update, "Please send a future date and time as YYYY-MM-DD HH:MM, e.g. 2027-03-04 18:00:")
        return None
    draft["starts_at"] = moment.isoformat()
    await _say(update, "7/8 The end: HH:MM on the same day, or YYYY-MM-DD HH:MM:")
    return END


async def end_time(update: Update, context: InterHubContext) -> int | None:
    """Stores the end (after the start) and asks for the capacity."""
    draft = _draft(context)
    starts = datetime.fromisoformat(draft["starts_at"])
    text = _text(update)
    if re.fullmatch(r"\d{1,2}:\d{2}", text):
        text = f"{starts:%Y-%m-%d} {text}"
    moment = _parse_when(text, COUNTRY_ZONES[draft["country"]])
    if moment is None or moment <= starts:
        await _say(update, "The end must be after the start: HH:MM or YYYY-MM-DD HH:MM, please:")
        return None
    draft["ends_at"] = moment.isoformat()
    await _say(update, "8/8 How many seats? A number, or 0 for no limit:")
    return CAPACITY


def _to_draft(data: dict[str, Any], lang: str) -> EventDraft:
    return EventDraft(
        title=data["title"],
        description=data.get("description", ""),
        language=lang,
        starts_at=datetime.fromisoformat(data["starts_at"]),
        ends_at=datetime.fromisoformat(data["ends_at"]),
        timezone=COUNTRY_ZONES[data["country"]],
        country=data["country"],
        city=data["city"],
        venue=data.get("venue"),
        online_url=data.get("online_url"),
        capacity=data.get("capacity"),
    )


async def capacity(update: Update, context: InterHubContext) -> int | None:
    """Stores the capacity and shows the preview with Publish, Save as draft and Cancel."""
    text = _text(update)
    if not text.isdigit() or int(text) > 100_000:
        await _say(update, "Please send a whole number of seats, or 0 for no limit:")
        return None
    draft = _draft(context)
    draft["capacity"] = int(text) or None
    w = await who(update, context)
    try:
        preview = validate(_to_draft(draft, w.lang))
    except EventError as problem:
        await _say(update, f"{esc(str(problem))}. Please /newevent again.")
        return ConversationHandler.END
    seats = "no limit" if preview.capacity is None else f"{preview.capacity} seats"
    where = preview.online_url or f"{preview.venue}, {preview.city}"
    local = preview.starts_at.astimezone(ZoneInfo(preview.timezone))
    text = (
        f"👀 <b>Preview</b>\n📅 <b>{esc(preview.title)}</b>\n🕒 {local:{WHEN_FORMAT}} ({preview.timezone})\n"
        f"📍 {esc(where)}\n🪑 {seats}\n\n{esc(preview.description)}"
    )
    markup = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("✅ Publish", callback_data="evn:publish")],
            [InlineKeyboardButton("💾 Save as draft", callback_data="evn:draft")],
            [InlineKeyboardButton("✖️ Cancel", callback_data="evn:cancel")],
        ]
    )
    await _say(update, text, markup)
    return CONFIRM


async def confirm(update: Update, context: InterHubContext) -> int:
    """Saves the event (published or as a draft), or drops it."""
    query = update.callback_query
    assert query is not None and context.user_data is not None
    match = CONFIRM_BUTTON.match(query.data or "")
    assert match is not None
    await query.answer()
    await query.edit_message_reply_markup(None)
    data = context.user_data.pop(_DRAFT, {})
    if match.group(1) == "cancel":
        await _say(update, "Nothing was saved.")
        return ConversationHandler.END
    w = await who(update, context)
    draft = _to_draft(data, w.lang)
    draft = EventDraft(**{**draft.__dict__, "publish": match.group(1) == "publish"})
    try:
        event = await context.services.events.add(draft, actor=query.from_user.id)
    except NotAllowed:
        await _say(update, f"Only a coach for {draft.country} can add this event; nothing was saved.")
        return ConversationHandler.END
    except EventError as problem:
        await _say(update, f"{esc(str(problem))}; nothing was saved.")
        return ConversationHandler.END
    state = "published" if event.status == "published" else "saved as a draft"
    await _say(update, f"✅ Event {event.id} {state}.", _manage_buttons(event))
    return ConversationHandler.END


async def stray(update: Update, context: InterHubContext) -> int | None:
    """Asks for the buttons when the coach typed instead of choosing."""
    await _say(update, "Please choose one of the buttons above (or /cancel).")
    return None


async def cancel(update: Update, context: InterHubContext) -> int:
    """Stops; nothing is saved."""
    assert context.user_data is not None
    context.user_data.pop(_DRAFT, None)
    await _say(update, "Event creation stopped; nothing was saved.")
    return ConversationHandler.END


def build() -> ConversationHandler[InterHubContext]:
    """Wire the /newevent states; every state has /cancel and an answer to unexpected input."""
    private = filters.ChatType.PRIVATE
    typed = private & filters.TEXT & ~filters.COMMAND

    def step(callback: Any) -> list[BaseHandler[Update, InterHubContext, object]]:
        return [MessageHandler(typed, callback)]

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*per_message.*", category=PTBUserWarning)
        return ConversationHandler(
            entry_points=[CommandHandler("newevent", start, filters=private)],
            states={
                TITLE: step(title),
                DESCRIPTION: step(description),
                COUNTRY: [CallbackQueryHandler(country, pattern=COUNTRY_BUTTON), *step(stray)],
                CITY: step(city),
                PLACE: step(venue),
                START: step(start_time),
                END: step(end_time),
                CAPACITY: step(capacity),
                CONFIRM: [CallbackQueryHandler(confirm, pattern=CONFIRM_BUTTON), *step(stray)],
            },
            fallbacks=[CommandHandler("cancel", cancel), CommandHandler("newevent", start, filters=private)],
            name=CONVERSATION_NAME,
            persistent=True,
            allow_reentry=True,
        )


# --- managing events -------------------------------------------------------------------------------------


def _manage_buttons(event: EventView) -> InlineKeyboardMarkup:
    rows = []
    if event.status == "draft":
        rows.append([InlineKeyboardButton("📢 Publish", callback_data=f"evc:pub:{event.id}")])
    rows.append(
        [
            InlineKeyboardButton("👥 Enrolled", callback_data=f"evc:list:{event.id}"),
            InlineKeyboardButton("☑️ Attendance", callback_data=f"evc:att:{event.id}"),
        ]
    )
    if event.status in ("draft", "published"):
        rows.append([InlineKeyboardButton("❌ Cancel event", callback_data=f"evc:cancel:{event.id}")])
    return InlineKeyboardMarkup(rows)


def _summary(event: EventView) -> str:
    seats = "no limit" if event.capacity is None else f"{event.capacity} seats"
    return (
        f"📅 <b>{event.id}. {esc(event.title)}</b> · {event.status}\n🕒 {when(event)}\n"
        f"📍 {place(event, lambda text: text)}\n🪑 {seats}: {event.confirmed} confirmed, "
        f"{event.waitlisted} waiting, {event.attended} attended"
    )


async def coach_events(update: Update, context: InterHubContext) -> None:
    """``/coachevents``: the events not yet over, each with its management buttons."""
    user = update.effective_user
    assert user is not None
    if not await context.services.roles.allows(user.id, "events.manage"):
        await refuse(update, context)
        return
    events = await context.services.events.find_all(statuses=("draft", "published"), upcoming=True)
    if not events:
        await _say(update, "No upcoming events. Create one with /newevent.")
        return
    rows = [
        [InlineKeyboardButton(f"{e.id}. {e.title}"[:64], callback_data=f"evc:card:{e.id}")] for e in events
    ]
    await _say(update, "Your upcoming events:", InlineKeyboardMarkup(rows))


def _checklist(event_id: int, places: list[Any]) -> InlineKeyboardMarkup:
    rows = [
        [
            InlineKeyboardButton(
                f"{'☑️' if p.status == 'attended' else '⬜'} {p.first_name or '—'} ({p.pseudonym})"[:64],
                callback_data=f"evc:mark:{event_id}:{p.pseudonym}",
            )
        ]
        for p in places
        if p.status in ("confirmed", "attended")
    ]
    return InlineKeyboardMarkup(rows)


async def manage(update: Update, context: InterHubContext) -> None:
    """The management buttons: card, publish, cancel (asks first), enrolled list, attendance."""
    query = update.callback_query
    assert query is not None
    w = await who(update, context)
    actor = query.from_user.id
    data = query.data or ""
    mark = MARK.match(data)
    match = MANAGE.match(data)
    event_id = int(mark.group(1) if mark else match.group(2))  # type: ignore[union-attr]
    events = context.services.events
    event = await events.get(event_id)
    if event is None:
        await query.answer(w._("This button is no longer valid. Please use /menu."), show_alert=True)
        return
    try:
        if mark is not None:
            present = [p for p in await events.roster(event_id, actor=actor) if p.pseudonym == mark.group(2)]
            if not present:
                await query.answer(w._("This button is no longer valid. Please use /menu."), show_alert=True)
                return
            await events.set_attendance(
                event_id, [mark.group(2)], present[0].status != "attended", actor=actor
            )
            await query.answer()
            await query.edit_message_reply_markup(_checklist(event_id, await events.roster(event_id)))
            return
        assert match is not None
        await _manage_action(update, context, w, match.group(1), event)
    except NotAllowed:
        await query.answer(w._("Sorry, this command is only for the InterHub team."), show_alert=True)
    except EventError as problem:
        await query.answer(str(problem)[:190], show_alert=True)


async def _manage_action(
    update: Update, context: InterHubContext, w: Who, action: str, event: EventView
) -> None:
    query = update.callback_query
    assert query is not None
    events, actor = context.services.events, query.from_user.id
    if action == "pub":
        event = await events.publish(event.id, actor=actor)
        await query.answer("Published")
    elif action == "cancel":
        await events.roster(event.id, actor=actor)  # the role check, before asking
        await query.answer()
        sure = InlineKeyboardMarkup(
            [[InlineKeyboardButton("❌ Yes, cancel it", callback_data=f"evc:cancelyes:{event.id}")]]
        )
        await _say(update, f"Cancel event {event.id}? Everyone enrolled or waiting will be told.", sure)
        return
    elif action == "cancelyes":
        event = await events.cancel(event.id, actor=actor)
        await query.answer("Cancelled")
        await query.edit_message_reply_markup(None)
    elif action == "list":
        places = await events.roster(event.id, actor=actor)
        await query.answer()
        lines = [f"👥 Event {event.id}: {len(places)} people"]
        lines += [
            f"• {p.pseudonym} {esc(p.first_name or '—')}: {p.status}"
            + (f" #{p.position}" if p.position else "")
            for p in places
        ]
        await _say(update, "\n".join(lines))
        return
    elif action == "att":
        places = await events.roster(event.id, actor=actor)
        await query.answer()
        await _say(update, f"☑️ Attendance for event {event.id}: tap who came.", _checklist(event.id, places))
        return
    else:
        await events.roster(event.id, actor=actor)
        await query.answer()
    fresh = await events.get(event.id)
    assert fresh is not None
    await reply(context, w, _summary(fresh), _manage_buttons(fresh), intent="coach_event")


def _handlers() -> list[BaseHandler[Update, InterHubContext, Any]]:
    return [
        build(),
        CallbackQueryHandler(manage, pattern=MANAGE),
        CallbackQueryHandler(manage, pattern=MARK),
    ]


#: Listed before the general commands in ``bot.app`` so the conversation gets its own /cancel.
FEATURE = Feature(
    name="events_coach",
    handlers=_handlers,
    commands=(
        Command("newevent", "Create an event (coaches)", start, staff=True, served_by_handlers=True),
        Command("coachevents", "Publish, cancel, enrolled list and attendance", coach_events, staff=True),
    ),
)
