"""Events for everyone: ``/events`` and the menu list upcoming events, the event card (Enrol, Add to
calendar, Share), ``/start event_42`` links, ``/myevents`` with "Can't come".

Places, waiting list and reminders are decided in ``actions.events``; the coaches' side is
``bot.handlers.events_coach``.
"""

from __future__ import annotations

import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from actions.ask import AskResult
from actions.event_jobs import CALENDAR_CAPTION, CANT_COME, ics_filename, localise, place, when
from actions.events import EventError, EventView, Place, card_subject
from actions.ics import event_ics
from bot.context import InterHubContext, Who, who
from bot.features import Command, Feature, MenuEntry
from bot.messaging import esc
from bot.replies import reply
from core.i18n import N_

#: ``ev:<action>:<event id>``; the id is looked up, so a forged one meets "no longer valid".
BUTTON = re.compile(r"^ev:(open|enrol|ics|share|drop):(\d{1,9})$")


async def _expired(update: Update, w: Who) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer(w._("This button is no longer valid. Please use /menu."), show_alert=True)


async def show_list(context: InterHubContext, w: Who) -> None:
    """List upcoming published events, the person's country and sector first."""
    events = await context.services.events.upcoming_for(w.profile.country, w.profile.sector)
    if not events:
        text = w._("📅 No upcoming events right now. Please check again soon!")
        await reply(context, w, text, w.main_menu(), intent="list_events")
        return
    rows = []
    for event in events:
        texts = await localise(event, w.lang, context.services.translations)
        label = f"{event.local_start:%d.%m} · {event.city} · {texts.title}"
        rows.append([InlineKeyboardButton(label[:64], callback_data=f"ev:open:{event.id}")])
    rows.append([InlineKeyboardButton(w._("⬅️ Main menu"), callback_data="menu:home")])
    text = w._("📅 Upcoming events: choose one to see the details.")
    await reply(context, w, text, InlineKeyboardMarkup(rows), intent="list_events")


def _seats(w: Who, event: EventView) -> str:
    if event.seats_left is None:
        return w._("🪑 Open to everyone, no seat limit.")
    if event.seats_left == 0:
        return w._("🪑 Full: you can join the waiting list.")
    return w._("🪑 Seats left: {count}").format(count=event.seats_left)


def _status(w: Who, event: EventView, seat: Place | None) -> str | None:
    if event.status == "cancelled":
        return w._("❌ This event is cancelled.")
    if seat is not None and seat.status in ("confirmed", "attended"):
        return w._("✅ You have a seat.")
    if seat is not None and seat.status == "waitlisted":
        return w._("⏳ You are number {position} on the waiting list.").format(position=seat.position)
    if not event.is_open():
        return w._("Enrolment for this event is closed.")
    return None


async def show_card(context: InterHubContext, w: Who, event: EventView) -> None:
    """The event card: when (in the venue's zone), where, seats left, and the buttons."""
    seat = await context.services.events.place_of(event.id, w.profile.pseudonym)
    texts = await localise(event, w.lang, context.services.translations)
    lines = [
        f"📅 <b>{esc(texts.title)}</b>",
        f"🕒 {when(event)}",
        f"📍 {place(event, w._)}",
        _seats(w, event),
        w._("Organised by {organiser}").format(organiser=esc(event.organiser)),
    ]
    if texts.description:
        lines += ["", esc(texts.description)]
    if texts.note:
        lines.append(texts.note)
    status = _status(w, event, seat)
    if status:
        lines += ["", status]
    buttons: list[list[InlineKeyboardButton]] = []
    enrolled = seat is not None and seat.status in ("confirmed", "waitlisted")
    if enrolled:
        buttons.append([InlineKeyboardButton(w._(CANT_COME), callback_data=f"ev:drop:{event.id}")])
    elif event.is_open() and (seat is None or seat.status == "cancelled"):
        buttons.append([InlineKeyboardButton(w._("✅ Enrol"), callback_data=f"ev:enrol:{event.id}")])
    if event.status in ("published", "finished"):
        buttons.append(
            [
                InlineKeyboardButton(w._("🗓 Add to calendar"), callback_data=f"ev:ics:{event.id}"),
                InlineKeyboardButton(w._("🔗 Share"), callback_data=f"ev:share:{event.id}"),
            ]
        )
    buttons.append([InlineKeyboardButton(w._("⬅️ Main menu"), callback_data="menu:home")])
    markup = InlineKeyboardMarkup(buttons)
    await reply(context, w, "\n".join(lines), markup, intent="event_card", subject=card_subject(event.id))


async def _visible(context: InterHubContext, event_id: int) -> EventView | None:
    event = await context.services.events.get(event_id)
    return event if event is not None and event.status != "draft" else None


async def on_button(update: Update, context: InterHubContext) -> None:
    """Opens, enrols, sends the .ics, shares, or gives the seat back."""
    query = update.callback_query
    assert query is not None
    match = BUTTON.match(query.data or "")
    assert match is not None
    action, event_id = match.group(1), int(match.group(2))
    w = await who(update, context)
    event = await _visible(context, event_id)
    if event is None:
        await _expired(update, w)
        return
    if action == "open":
        await query.answer()
        await show_card(context, w, event)
    elif action == "enrol":
        await _enrol(update, context, w, event)
    elif action == "ics":
        await query.answer()
        await _send_calendar(context, w, event)
    elif action == "share":
        await query.answer()
        link = f"https://t.me/{context.bot.username}?start=event_{event.id}"
        texts = await localise(event, w.lang, context.services.translations)
        text = w._("🔗 Send this link to invite others to <b>{title}</b>:\n{link}").format(
            title=esc(texts.title), link=link
        )
        await reply(context, w, text, intent="share_event")
    else:
        await _drop(update, context, w, event)


async def _send_calendar(context: InterHubContext, w: Who, event: EventView) -> None:
    texts = await localise(event, w.lang, context.services.translations)
    await context.bot.send_document(
        w.chat_id,
        event_ics(event, texts.title, texts.description),
        filename=ics_filename(event),
        caption=w._(CALENDAR_CAPTION),
    )


async def _enrol(update: Update, context: InterHubContext, w: Who, event: EventView) -> None:
    query = update.callback_query
    assert query is not None
    first_name = update.effective_user.first_name if update.effective_user else None
    try:
        seat = await context.services.events.enrol(event.id, w.profile.pseudonym, first_name=first_name)
    except EventError:
        await query.answer(w._("Sorry, enrolment for this event is closed."), show_alert=True)
        return
    await query.answer()
    texts = await localise(event, w.lang, context.services.translations)
    if seat.status == "waitlisted":
        text = w._(
            "⏳ <b>{title}</b> is full. You are number {position} on the waiting list; "
            "I will tell you as soon as a seat is free."
        ).format(title=esc(texts.title), position=seat.position)
    else:
        text = w._(
            "✅ You are enrolled in <b>{title}</b>. I will remind you a day before and an hour before."
        ).format(title=esc(texts.title))
    await reply(context, w, text, _after_enrol(w, event), intent="enrol_event")
    if seat.status == "confirmed":
        await _send_calendar(context, w, event)


def _after_enrol(w: Who, event: EventView) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(w._("🗓 Add to calendar"), callback_data=f"ev:ics:{event.id}")],
            [InlineKeyboardButton(w._(CANT_COME), callback_data=f"ev:drop:{event.id}")],
        ]
    )


async def _drop(update: Update, context: InterHubContext, w: Who, event: EventView) -> None:
    query = update.callback_query
    assert query is not None
    try:
        await context.services.events.cancel_enrolment(event.id, w.profile.pseudonym)
    except EventError:
        await _expired(update, w)
        return
    await query.answer()
    texts = await localise(event, w.lang, context.services.translations)
    text = w._("OK, your place for <b>{title}</b> is cancelled. Thank you for telling us.").format(
        title=esc(texts.title)
    )
    await reply(context, w, text, intent="cancel_enrolment")


async def show_mine(context: InterHubContext, w: Who) -> None:
    """The person's upcoming events, each with "Can't come"."""
    mine = await context.services.events.places_of(w.profile.pseudonym)
    if not mine:
        text = w._("You are not enrolled in any upcoming event. See /events.")
        await reply(context, w, text, intent="my_events")
        return
    lines, rows = [w._("📅 <b>Your events</b>")], []
    for event, seat in mine:
        texts = await localise(event, w.lang, context.services.translations)
        status = (
            w._("waiting list, number {position}").format(position=seat.position)
            if seat.status == "waitlisted"
            else w._("seat confirmed")
        )
        lines.append(f"• <b>{esc(texts.title)}</b>\n  🕒 {when(event)}\n  {status}")
        label = f"{w._(CANT_COME)}: {texts.title}"[:64]
        rows.append([InlineKeyboardButton(label, callback_data=f"ev:drop:{event.id}")])
    await reply(context, w, "\n".join(lines), InlineKeyboardMarkup(rows), intent="my_events")


async def events_command(update: Update, context: InterHubContext) -> None:
    """``/events``."""
    await show_list(context, await who(update, context))


async def myevents_command(update: Update, context: InterHubContext) -> None:
    """``/myevents``."""
    await show_mine(context, await who(update, context))


async def open_by_link(context: InterHubContext, w: Who, ref: str | None) -> None:
    """``start=event_42`` opens the card (after onboarding, for someone new)."""
    event = await _visible(context, int(ref)) if ref and ref.isdigit() else None
    if event is None:
        await reply(context, w, w._("This link is not valid any more. Here is the main menu."), w.main_menu())
        return
    await show_card(context, w, event)


async def _list_intent(context: InterHubContext, w: Who, result: AskResult) -> None:
    await show_list(context, w)


async def _mine_intent(context: InterHubContext, w: Who, result: AskResult) -> None:
    await show_mine(context, w)


def _handlers() -> list[BaseHandler[Update, InterHubContext, None]]:
    return [CallbackQueryHandler(on_button, pattern=BUTTON)]


FEATURE = Feature(
    name="events",
    handlers=_handlers,
    commands=(
        Command("events", N_("Upcoming workshops and meetings"), events_command),
        Command("myevents", N_("The events you are enrolled in"), myevents_command),
    ),
    menu=(MenuEntry("events", N_("📅 Events"), show_list),),
    deep_links={"event": open_by_link},
    intents={"list_events": _list_intent, "enrol_event": _list_intent, "my_events": _mine_intent},
)
