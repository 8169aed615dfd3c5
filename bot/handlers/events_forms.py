"""What the coaches' event conversations share: parsing what a coach typed, the preview, the event's
summary with its management buttons, and the texts asked again after a wrong answer."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from actions.event_jobs import place, span, when
from actions.events import EventDraft, EventView, Place
from actions.models import SECTORS
from bot.keyboards import SECTOR_NAMES
from bot.messaging import esc
from core.i18n import LANGUAGE_NAMES, N_, Translate

#: The button that opens the edit conversation (``bot.handlers.events_edit``).
EDIT_PREFIX = "eve:open:"
WHEN_FORMAT = "%Y-%m-%d %H:%M"
STATUS_NAMES = {
    "draft": N_("draft"),
    "published": N_("published"),
    "cancelled": N_("cancelled"),
    "finished": N_("finished"),
}
EXPIRED = N_("This button is no longer valid. Please use /menu.")
FOR_STAFF = N_("Sorry, this command is only for the InterHub team.")
ASK_TITLE_AGAIN = N_("The title needs 3 to 200 characters. Please send it again:")
ASK_SHORTER = N_("That is longer than 2000 characters. Please shorten it:")
ASK_PLACE_AGAIN = N_("Please send an address (3 to 300 characters) or a link starting with https://")
ASK_START_AGAIN = N_("Please send a future date and time as YYYY-MM-DD HH:MM, e.g. 2027-03-04 18:00:")
ASK_END_AGAIN = N_("The end must be after the start: HH:MM or YYYY-MM-DD HH:MM, please:")
ASK_SEATS_AGAIN = N_("Please send a whole number of seats, or 0 for no limit:")
CHOOSE_BUTTON = N_("Please choose one of the buttons above (or /cancel).")


def typed(update: Update) -> str:
    """The text the coach sent, trimmed."""
    message = update.effective_message
    return (message.text or "").strip() if message else ""


async def say(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Answer in the chat of the update."""
    message = update.effective_message
    assert message is not None
    await message.reply_text(text, reply_markup=markup)


def parse_when(text: str, zone: str) -> datetime | None:
    """``YYYY-MM-DD HH:MM`` in a zone, or None."""
    try:
        return datetime.strptime(text, WHEN_FORMAT).replace(tzinfo=ZoneInfo(zone))
    except ValueError:
        return None


def parse_end(text: str, starts_at: datetime, zone: str) -> datetime | None:
    """``HH:MM`` on the start's day or ``YYYY-MM-DD HH:MM``, after the start; else None."""
    if re.fullmatch(r"\d{1,2}:\d{2}", text):
        text = f"{starts_at.astimezone(ZoneInfo(zone)):%Y-%m-%d} {text}"
    moment = parse_when(text, zone)
    return moment if moment is not None and moment > starts_at else None


def seats(_: Translate, capacity: int | None) -> str:
    """``🪑 12 seats`` or ``🪑 no seat limit``."""
    if capacity is None:
        return _("🪑 no seat limit")
    return _.ngettext("🪑 {count} seat", "🪑 {count} seats", capacity).format(count=capacity)


def preview(_: Translate, draft: EventDraft) -> str:
    """What the event will look like, for the coach to check before saving."""
    lines = [
        _("👀 <b>Preview</b>"),
        f"📅 <b>{esc(draft.title)}</b>",
        f"🕒 {span(draft.starts_at, draft.ends_at, draft.timezone)}",
        f"📍 {place(draft, _)}",
        seats(_, draft.capacity),
    ]
    if draft.sectors:
        names = ", ".join(_(SECTOR_NAMES[code]) for code in draft.sectors if code in SECTOR_NAMES)
        lines.append(_("🏷 For: {sectors}").format(sectors=names))
    if draft.translations:
        languages = ", ".join(LANGUAGE_NAMES.get(lang, lang) for lang in sorted(draft.translations))
        lines.append(_("🌐 Translations: {languages}").format(languages=languages))
    if draft.enrol_deadline is not None:
        local = draft.enrol_deadline.astimezone(ZoneInfo(draft.timezone))
        lines.append(_("⏳ Enrolment closes {moment}").format(moment=f"{local:{WHEN_FORMAT}}"))
    if draft.description:
        lines += ["", esc(draft.description)]
    return "\n".join(lines)


def parse_place(text: str) -> dict[str, str | None] | None:
    """An address or an https link, as the event's ``venue`` / ``online_url``; None when neither."""
    if text.startswith(("https://", "http://")):
        return {"venue": None, "online_url": text} if len(text) <= 500 and " " not in text else None
    return {"venue": text, "online_url": None} if 3 <= len(text) <= 300 else None


def parse_sectors(text: str, _: Translate) -> tuple[str, ...] | None:
    """Sectors by code or by their name in the coach's language, separated by commas; ``-``: every sector."""
    if text.strip() == "-":
        return ()
    names = {code: code for code in SECTORS} | {_(SECTOR_NAMES[code]).lower(): code for code in SECTORS}
    found = [names.get(part.strip().lower()) for part in text.split(",") if part.strip()]
    if not found or None in found:
        return None
    return tuple(dict.fromkeys(code for code in found if code is not None))


def sector_choices(_: Translate) -> str:
    """The sectors' names for a prompt."""
    return ", ".join(_(SECTOR_NAMES[code]) for code in SECTORS)


def parse_seats(text: str) -> int | None:
    """A whole number of seats up to 100 000 (0: no limit), or -1 when it is not one."""
    return (int(text) or None) if text.isdigit() and int(text) <= 100_000 else -1


def manage_buttons(_: Translate, event: EventView) -> InlineKeyboardMarkup:
    """Publish (drafts), Enrolled, Attendance, Edit and Cancel for one event."""
    rows = []
    if event.status == "draft":
        rows.append([InlineKeyboardButton(_("📢 Publish"), callback_data=f"evc:pub:{event.id}")])
    rows.append(
        [
            InlineKeyboardButton(_("👥 Enrolled"), callback_data=f"evc:list:{event.id}"),
            InlineKeyboardButton(_("☑️ Attendance"), callback_data=f"evc:att:{event.id}"),
        ]
    )
    if event.status in ("draft", "published"):
        rows.append(
            [
                InlineKeyboardButton(_("✏️ Edit"), callback_data=f"{EDIT_PREFIX}{event.id}"),
                InlineKeyboardButton(_("❌ Cancel event"), callback_data=f"evc:cancel:{event.id}"),
            ]
        )
    return InlineKeyboardMarkup(rows)


def summary(_: Translate, event: EventView) -> str:
    """The event for its coach: status, time, place, seats and counts."""
    counts = _("👥 confirmed: {confirmed} · waiting: {waiting} · attended: {attended}").format(
        confirmed=event.confirmed, waiting=event.waitlisted, attended=event.attended
    )
    return (
        f"📅 <b>{event.id}. {esc(event.title)}</b> · {_(STATUS_NAMES[event.status])}\n🕒 {when(event)}\n"
        f"📍 {place(event, _)}\n{seats(_, event.capacity)}\n{counts}"
    )


def roster_line(_: Translate, seat: Place) -> str:
    """``• u_… Amira: seat confirmed`` (pseudonym and first name only)."""
    if seat.status == "waitlisted":
        status = _("waiting list, number {position}").format(position=seat.position)
    elif seat.status == "attended":
        status = _("attended")
    else:
        status = _("seat confirmed")
    return f"• {seat.pseudonym} {esc(seat.first_name or '—')}: {status}"
