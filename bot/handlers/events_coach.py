"""Events for coaches: the ``/newevent`` conversation, and ``/coachevents`` to publish, edit
(``events_edit``), cancel, see who enrolled (pseudonym and first name only) and tick attendance.

The conversation is drawn in ``events.mmd`` beside this module. Roles are checked again in
``actions.events`` (``events.manage`` for the event's country): these handlers only turn the outcome into
a reply, in the coach's language.
"""

from __future__ import annotations

import re
import warnings
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

from actions.events import COUNTRY_ZONES, EventDraft, EventError, EventView, Place, validate
from actions.models import COUNTRIES, utcnow
from actions.roles import NotAllowed
from bot import keyboards
from bot.context import InterHubContext, Who, who
from bot.features import Command, Feature
from bot.handlers import events_edit
from bot.handlers.events_forms import (
    ASK_END_AGAIN,
    ASK_PLACE_AGAIN,
    ASK_SEATS_AGAIN,
    ASK_SHORTER,
    ASK_START_AGAIN,
    ASK_TITLE_AGAIN,
    CHOOSE_BUTTON,
    EXPIRED,
    FOR_STAFF,
    STATUS_NAMES,
    manage_buttons,
    parse_end,
    parse_place,
    parse_seats,
    parse_when,
    preview,
    roster_line,
    say,
    summary,
    typed,
)
from bot.handlers.staff import refuse
from bot.messaging import esc
from core.i18n import N_

TITLE, DESCRIPTION, COUNTRY, CITY, PLACE, START, END, CAPACITY, CONFIRM = range(9)
CONVERSATION_NAME = "newevent"
_DRAFT = "new_event"
COUNTRY_BUTTON = re.compile(rf"^evn:country:({'|'.join(COUNTRIES)})$")
CONFIRM_BUTTON = re.compile(r"^evn:(publish|draft|cancel)$")
#: ``evc:<action>:<event id>`` and ``evc:mark:<event id>:<pseudonym>`` (attendance checklist).
MANAGE = re.compile(r"^evc:(card|pub|cancel|cancelyes|list|att):(\d{1,9})$")
MARK = re.compile(r"^evc:mark:(\d{1,9}):(u_[0-9a-f]{16})$")


def _draft(context: InterHubContext) -> dict[str, Any]:
    assert context.user_data is not None, "private-chat updates always have a user"
    found = context.user_data.setdefault(_DRAFT, {})
    assert isinstance(found, dict)
    return found


async def start(update: Update, context: InterHubContext) -> int:
    """Checks the role and asks for the title."""
    user = update.effective_user
    assert user is not None
    if not await context.services.roles.allows(user.id, "events.manage"):
        await refuse(update, context)
        return ConversationHandler.END
    assert context.user_data is not None
    context.user_data[_DRAFT] = {}
    w = await who(update, context)
    text = w._("📅 New event. Send /cancel at any time.\n\n1/8 The title (3 to 200 characters):")
    await say(update, text)
    return TITLE


async def title(update: Update, context: InterHubContext) -> int | None:
    """Stores the title and asks for the description."""
    w, text = await who(update, context), typed(update)
    if not 3 <= len(text) <= 200:
        await say(update, w._(ASK_TITLE_AGAIN))
        return None
    _draft(context)["title"] = text
    await say(update, w._("2/8 A short description (up to 2000 characters), or - for none:"))
    return DESCRIPTION


async def description(update: Update, context: InterHubContext) -> int | None:
    """Stores the description and asks for the country."""
    w, text = await who(update, context), typed(update)
    if len(text) > 2000:
        await say(update, w._(ASK_SHORTER))
        return None
    _draft(context)["description"] = "" if text == "-" else text
    await say(update, w._("3/8 In which country?"), keyboards.country_picker(w._, "evn:country"))
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
    w = await who(update, context)
    await say(update, w._("{country} ✓\n\n4/8 The city:").format(country=match.group(1)))
    return CITY


async def city(update: Update, context: InterHubContext) -> int | None:
    """Stores the city and asks for the place."""
    w, text = await who(update, context), typed(update)
    if not 1 <= len(text) <= 80:
        await say(update, w._("The city needs 1 to 80 characters. Please send it again:"))
        return None
    _draft(context)["city"] = text
    await say(update, w._("5/8 The venue's address, or the online link (https://…):"))
    return PLACE


async def venue(update: Update, context: InterHubContext) -> int | None:
    """Stores the address or the link and asks for the start."""
    w = await who(update, context)
    found = parse_place(typed(update))
    if found is None:
        await say(update, w._(ASK_PLACE_AGAIN))
        return None
    draft = _draft(context)
    draft.update({key: value for key, value in found.items() if value is not None})
    zone = COUNTRY_ZONES[draft["country"]]
    await say(
        update, w._("6/8 The start, in the venue's time ({zone}), as YYYY-MM-DD HH:MM:").format(zone=zone)
    )
    return START


async def start_time(update: Update, context: InterHubContext) -> int | None:
    """Stores the start (in the future) and asks for the end."""
    w, draft = await who(update, context), _draft(context)
    moment = parse_when(typed(update), COUNTRY_ZONES[draft["country"]])
    if moment is None or moment <= utcnow():
        await say(update, w._(ASK_START_AGAIN))
        return None
    draft["starts_at"] = moment.isoformat()
    await say(update, w._("7/8 The end: HH:MM on the same day, or YYYY-MM-DD HH:MM:"))
    return END


async def end_time(update: Update, context: InterHubContext) -> int | None:
    """Stores the end (after the start) and asks for the capacity."""
    w, draft = await who(update, context), _draft(context)
    moment = parse_end(
        typed(update), datetime.fromisoformat(draft["starts_at"]), COUNTRY_ZONES[draft["country"]]
    )
    if moment is None:
        await say(update, w._(ASK_END_AGAIN))
        return None
    draft["ends_at"] = moment.isoformat()
    await say(update, w._("8/8 How many seats? A number, or 0 for no limit:"))
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
    w = await who(update, context)
    count = parse_seats(typed(update))
    if count == -1:
        await say(update, w._(ASK_SEATS_AGAIN))
        return None
    draft = _draft(context)
    draft["capacity"] = count
    try:
        checked = validate(_to_draft(draft, w.lang))
    except EventError as problem:
        text = w._("This event cannot be saved ({problem}). Please start again with /newevent.")
        await say(update, text.format(problem=esc(str(problem))))
        return ConversationHandler.END
    markup = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(w._("✅ Publish"), callback_data="evn:publish")],
            [InlineKeyboardButton(w._("💾 Save as draft"), callback_data="evn:draft")],
            [InlineKeyboardButton(w._("✖️ Cancel"), callback_data="evn:cancel")],
        ]
    )
    await say(update, preview(w._, checked), markup)
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
    w = await who(update, context)
    if match.group(1) == "cancel" or "capacity" not in data:
        await say(update, w._("Nothing was saved."))
        return ConversationHandler.END
    draft = _to_draft(data, w.lang)
    draft = EventDraft(**{**draft.__dict__, "publish": match.group(1) == "publish"})
    try:
        event = await context.services.events.add(draft, actor=query.from_user.id)
    except NotAllowed:
        text = w._("Only a coach for {country} can add this event; nothing was saved.")
        await say(update, text.format(country=draft.country))
        return ConversationHandler.END
    except EventError as problem:
        text = w._("This event cannot be saved ({problem}). Please start again with /newevent.")
        await say(update, text.format(problem=esc(str(problem))))
        return ConversationHandler.END
    if event.status == "published":
        text = w._("✅ Event {id} published.").format(id=event.id)
    else:
        text = w._("✅ Event {id} saved as a draft.").format(id=event.id)
    await say(update, text, manage_buttons(w._, event))
    return ConversationHandler.END


async def stray(update: Update, context: InterHubContext) -> int | None:
    """Asks for the buttons when the coach typed instead of choosing."""
    await say(update, (await who(update, context))._(CHOOSE_BUTTON))
    return None


async def cancel(update: Update, context: InterHubContext) -> int:
    """Stops; nothing is saved."""
    assert context.user_data is not None
    context.user_data.pop(_DRAFT, None)
    await say(update, (await who(update, context))._("Event creation stopped; nothing was saved."))
    return ConversationHandler.END


def build() -> ConversationHandler[InterHubContext]:
    """Wire the /newevent states; every state has /cancel and an answer to unexpected input."""
    private = filters.ChatType.PRIVATE
    text_only = private & filters.TEXT & ~filters.COMMAND

    def step(callback: Any) -> list[BaseHandler[Update, InterHubContext, object]]:
        return [MessageHandler(text_only, callback)]

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


async def coach_events(update: Update, context: InterHubContext) -> None:
    """``/coachevents``: the events not yet over, each with its management buttons."""
    user = update.effective_user
    assert user is not None
    if not await context.services.roles.allows(user.id, "events.manage"):
        await refuse(update, context)
        return
    w = await who(update, context)
    events = await context.services.events.find_all(statuses=("draft", "published"), upcoming=True)
    if not events:
        await say(update, w._("No upcoming events. Create one with /newevent."))
        return
    rows = [
        [InlineKeyboardButton(f"{e.id}. {e.title}"[:64], callback_data=f"evc:card:{e.id}")] for e in events
    ]
    await say(update, w._("Your upcoming events:"), InlineKeyboardMarkup(rows))


def _checklist(event_id: int, places: list[Place]) -> InlineKeyboardMarkup:
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
        await query.answer(w._(EXPIRED), show_alert=True)
        return
    try:
        if mark is not None:
            present = [p for p in await events.roster(event_id, actor=actor) if p.pseudonym == mark.group(2)]
            if not present:
                await query.answer(w._(EXPIRED), show_alert=True)
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
        await query.answer(w._(FOR_STAFF), show_alert=True)
    except EventError:
        fresh = await events.get(event_id)
        status = w._(STATUS_NAMES[fresh.status if fresh else event.status])
        await query.answer(
            w._("Not possible now: this event is {status}.").format(status=status), show_alert=True
        )


async def _manage_action(
    update: Update, context: InterHubContext, w: Who, action: str, event: EventView
) -> None:
    query = update.callback_query
    assert query is not None
    events, actor = context.services.events, query.from_user.id
    if action == "pub":
        event = await events.publish(event.id, actor=actor)
        await query.answer(w._(STATUS_NAMES["published"]))
    elif action == "cancel":
        await events.roster(event.id, actor=actor)  # the role check, before asking
        if event.status not in ("draft", "published"):
            raise EventError(event.status)
        await query.answer()
        sure = InlineKeyboardMarkup(
            [[InlineKeyboardButton(w._("❌ Yes, cancel it"), callback_data=f"evc:cancelyes:{event.id}")]]
        )
        text = w._("Cancel event {id}? Everyone enrolled or waiting will be told.").format(id=event.id)
        await say(update, text, sure)
        return
    elif action == "cancelyes":
        event = await events.cancel(event.id, actor=actor)
        await query.answer(w._(STATUS_NAMES["cancelled"]))
        await query.edit_message_reply_markup(None)
    elif action == "list":
        places = await events.roster(event.id, actor=actor)
        await query.answer()
        heading = w._.ngettext("👥 Event {id}: {count} person", "👥 Event {id}: {count} people", len(places))
        lines = [heading.format(id=event.id, count=len(places))]
        lines += [roster_line(w._, p) for p in places]
        await say(update, "\n".join(lines))
        return
    elif action == "att":
        places = await events.roster(event.id, actor=actor)
        await query.answer()
        text = w._("☑️ Attendance for event {id}: tap who came.").format(id=event.id)
        if not any(p.status in ("confirmed", "attended") for p in places):
            await say(update, w._("Nobody has a seat at event {id}.").format(id=event.id))
            return
        await say(update, text, _checklist(event.id, places))
        return
    else:
        await events.roster(event.id, actor=actor)
        await query.answer()
    fresh = await events.get(event.id)
    assert fresh is not None
    await say(update, summary(w._, fresh), manage_buttons(w._, fresh))


def _handlers() -> list[BaseHandler[Update, InterHubContext, Any]]:
    return [
        build(),
        events_edit.build(),
        CallbackQueryHandler(manage, pattern=MANAGE),
        CallbackQueryHandler(manage, pattern=MARK),
    ]


#: Listed before the general commands in ``bot.app`` so the conversations get their own /cancel.
FEATURE = Feature(
    name="events_coach",
    handlers=_handlers,
    commands=(
        Command("newevent", N_("Create an event (coaches)"), start, staff=True, served_by_handlers=True),
        Command(
            "editevent",
            N_("Change an event: /editevent ID (coaches)"),
            events_edit.open_edit,
            staff=True,
            served_by_handlers=True,
        ),
        Command(
            "coachevents",
            N_("Publish, edit and cancel events, see who enrolled, mark attendance"),
            coach_events,
            staff=True,
        ),
    ),
)
