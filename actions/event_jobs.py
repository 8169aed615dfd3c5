"""What people read about events, in their language, and the jobs that reach them.

An event is written in one language. Others see the coach's translation from the event file when there is
one, else a machine translation (marked) when ``TRANSLATOR`` is set, else the original with a one-line note.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from actions.events import (
    CANCELLED_JOB,
    CHANGED_JOB,
    EVENT_FEEDBACK_FORM,
    FEEDBACK_JOB,
    FINISH_JOB,
    PROMOTED_JOB,
    REMINDER_JOB,
    EventDraft,
    EventView,
)
from actions.ics import event_ics
from actions.jobs import JobView
from actions.translation import TranslationClient, TranslationUnavailable
from actions.worker import JobContext, JobHandler
from core.i18n import LANGUAGE_NAMES, N_, Translate, translator
from core.notify import Button, Delivery

REMINDER_TEXTS = {
    "24h": N_("⏰ Reminder: <b>{title}</b> is tomorrow.\n🕒 {when}\n📍 {place}"),
    "1h": N_("⏰ <b>{title}</b> starts in one hour.\n🕒 {when}\n📍 {place}"),
}
CANT_COME = N_("🙅 Can't come")
EVENT_FORM = EVENT_FEEDBACK_FORM
FEEDBACK_TEXT = N_(
    "🙏 Thank you for coming to <b>{title}</b> ({when}). Would you tell us how it was? "
    "Four short questions, under a minute."
)
FEEDBACK_BUTTON = N_("📝 Give feedback")
CALENDAR_CAPTION = N_("🗓 Open this file to add the event to your calendar.")
CHANGED_TEXT = N_("📣 <b>{title}</b> has changed. The new details:\n🕒 {when}\n📍 {place}")


@dataclass(frozen=True)
class Localised:
    """An event's title and description for one reader, and the note that says how they came about."""

    title: str
    description: str
    note: str | None = None


async def localise(event: EventView, lang: str, translations: TranslationClient) -> Localised:
    """The event's texts in ``lang``: curated, machine-translated (marked) or the original (noted)."""
    _ = translator(lang)
    if lang == event.language:
        return Localised(event.title, event.description)
    curated = event.translations.get(lang)
    if curated:
        return Localised(curated["title"], curated.get("description", event.description))
    if translations.available:
        try:
            title = await translations.translate(event.title, event.language, lang)
            description = await translations.translate(event.description, event.language, lang)
        except TranslationUnavailable:
            pass
        else:
            return Localised(title, description, _("🌐 Machine-translated from the organiser's text."))
    note = _("ℹ️ This event is described in {language}.").format(language=LANGUAGE_NAMES[event.language])
    return Localised(event.title, event.description, note)


def when(event: EventView) -> str:
    """Date and time in the venue's zone, e.g. ``2027-03-04 18:00–20:00 (Europe/Rome)``."""
    return span(event.starts_at, event.ends_at, event.timezone)


def span(starts_at: datetime, ends_at: datetime, zone: str) -> str:
    """Start and end in a zone, the end's date only when it differs."""
    start, end = starts_at.astimezone(ZoneInfo(zone)), ends_at.astimezone(ZoneInfo(zone))
    until = f"{end:%H:%M}" if start.date() == end.date() else f"{end:%Y-%m-%d %H:%M}"
    return f"{start:%Y-%m-%d %H:%M}–{until} ({zone})"


def place(event: EventView | EventDraft, _: Translate) -> str:
    """The address and city, or the online link (escaped for HTML)."""
    if event.online_url:
        return _("Online: {link}").format(link=html.escape(event.online_url))
    return html.escape(f"{event.venue}, {event.city}")


def ics_filename(event: EventView) -> str:
    """The name of an event's calendar file."""
    return f"interhub-event-{event.id}.ics"


@dataclass(frozen=True)
class _Message:
    text: str
    event: EventView
    texts: Localised
    lang: str


async def _message(context: JobContext, job: JobView, template: str) -> _Message | None:
    services = context.services
    event = await services.events.get(int(job.payload["event_id"]))
    if event is None or job.pseudonym is None:
        return None
    lang = await services.events.language_of(job.pseudonym) or services.default_language
    _ = translator(lang)
    texts = await localise(event, lang, services.translations)
    body = _(template).format(title=html.escape(texts.title), when=when(event), place=place(event, _))
    return _Message(body + (f"\n{texts.note}" if texts.note else ""), event, texts, lang)


async def _send_calendar(context: JobContext, pseudonym: str, found: _Message) -> None:
    """The event's .ics (same UID, so a calendar that has it updates it)."""
    assert context.notifier is not None
    content = event_ics(found.event, found.texts.title, found.texts.description)
    caption = translator(found.lang)(CALENDAR_CAPTION)
    # Not retried: a retry would repeat the message sent just before; the card's Add to calendar has it.
    await context.notifier.send_document(pseudonym, ics_filename(found.event), content, caption)


async def _send(
    context: JobContext, pseudonym: str, text: str, buttons: list[list[Button]] | None
) -> Delivery:
    if context.notifier is None:
        raise RuntimeError("no notifier in this worker")
    delivery = await context.notifier.send_text(pseudonym, text, buttons)
    if delivery is Delivery.FAILED:
        raise RuntimeError("sending failed; retrying later")
    return delivery  # UNREACHABLE: they blocked the bot or left; nothing to retry


async def _cant_come(context: JobContext, pseudonym: str, event_id: int) -> list[list[Button]]:
    lang = await context.services.events.language_of(pseudonym) or context.services.default_language
    return [[Button(translator(lang)(CANT_COME), f"ev:drop:{event_id}")]]


async def send_reminder(job: JobView, context: JobContext) -> None:
    """Remind a confirmed person 24 h or 1 h before the start; stale reminders end quietly."""
    assert job.pseudonym is not None
    event = await context.services.events.get(int(job.payload["event_id"]))
    if event is None or event.status != "published":
        return
    if event.starts_at.isoformat() != job.payload.get("starts_at"):
        return  # the event moved: the reminders for the new start are separate jobs
    seat = await context.services.events.place_of(event.id, job.pseudonym)
    if seat is None or seat.status != "confirmed":
        return
    found = await _message(context, job, REMINDER_TEXTS[str(job.payload.get("which", "24h"))])
    if found is not None:
        await _send(context, job.pseudonym, found.text, await _cant_come(context, job.pseudonym, event.id))


async def send_promoted(job: JobView, context: JobContext) -> None:
    """Tell a person from the waiting list that they now have a seat."""
    assert job.pseudonym is not None
    seat = await context.services.events.place_of(int(job.payload["event_id"]), job.pseudonym)
    if seat is None or seat.status != "confirmed":
        return
    template = N_("🎉 A seat became free: you are now confirmed for <b>{title}</b>.\n🕒 {when}\n📍 {place}")
    found = await _message(context, job, template)
    if found is None:
        return
    buttons = await _cant_come(context, job.pseudonym, seat.event_id)
    if await _send(context, job.pseudonym, found.text, buttons) is Delivery.UNREACHABLE:
        # They cannot learn that they have the seat: it goes on to the next person waiting.
        await context.services.events.cancel_enrolment(seat.event_id, job.pseudonym)
        return
    await _send_calendar(context, job.pseudonym, found)


async def send_changed(job: JobView, context: JobContext) -> None:
    """Tell someone confirmed or waiting the event's new time or place; confirmed people get a new .ics."""
    assert job.pseudonym is not None
    seat = await context.services.events.place_of(int(job.payload["event_id"]), job.pseudonym)
    if seat is None or seat.status not in ("confirmed", "waitlisted"):
        return
    found = await _message(context, job, CHANGED_TEXT)
    if found is None or found.event.status != "published":
        return
    await _send(context, job.pseudonym, found.text, await _cant_come(context, job.pseudonym, seat.event_id))
    if seat.status == "confirmed":
        await _send_calendar(context, job.pseudonym, found)


async def send_cancelled(job: JobView, context: JobContext) -> None:
    """Tell someone enrolled or waiting that the event is cancelled."""
    assert job.pseudonym is not None
    found = await _message(context, job, N_("❌ <b>{title}</b> ({when}) is cancelled. We are sorry."))
    if found is not None:
        await _send(context, job.pseudonym, found.text, None)


async def feedback_due(job: JobView, context: JobContext) -> None:
    """The day after an event, for each attendee: an invitation to the event feedback form.

    Ends quietly when the person is no longer marked present or has already answered for this event.
    """
    assert job.pseudonym is not None
    services = context.services
    event_id = int(job.payload["event_id"])
    seat = await services.events.place_of(event_id, job.pseudonym)
    if seat is None or seat.status != "attended":
        return
    found = await services.surveys.find(job.pseudonym, EVENT_FORM, event_id)
    if found is not None and found.submitted:
        return
    message = await _message(context, job, FEEDBACK_TEXT)
    if message is None:
        return
    lang = await services.events.language_of(job.pseudonym) or services.default_language
    button = Button(translator(lang)(FEEDBACK_BUTTON), f"sv:go:{EVENT_FORM}:{event_id}")
    await _send(context, job.pseudonym, message.text, [[button]])


async def finish_event(job: JobView, context: JobContext) -> None:
    """Mark a published event finished once its end has passed."""
    await context.services.events.finish(int(job.payload["event_id"]))


EVENT_JOB_HANDLERS: dict[str, JobHandler] = {
    REMINDER_JOB: send_reminder,
    PROMOTED_JOB: send_promoted,
    CANCELLED_JOB: send_cancelled,
    CHANGED_JOB: send_changed,
    FEEDBACK_JOB: feedback_due,
    FINISH_JOB: finish_event,
}
