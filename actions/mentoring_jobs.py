"""What people read about mentoring, in their language, and the jobs that reach them and the coaches.

Jobs: the 72 h reminder (coaches once, and the person hears it is still pending; nothing when the request
was handled), the introductions after an approval (mentee, and the mentor when they use the bot), and the
decline with its reason.
"""

from __future__ import annotations

import html

from actions.jobs import JobView
from actions.mentor_ranking import COUNTRY_WORDS
from actions.mentoring import (
    DECLINED_JOB,
    ENDED_JOB,
    INTRODUCE_JOB,
    REMINDER_JOB,
    MentorView,
    RequestView,
)
from actions.worker import JobContext, JobHandler
from core.i18n import LANGUAGE_NAMES, N_, Translate, translator
from core.notify import CoachNotifier, Delivery

SECTOR_WORDS = {"fashion": N_("Fashion"), "design": N_("Design"), "food": N_("Food"), "other": N_("Other")}
AVAILABILITY_WORDS = {
    "daytime": N_("Weekdays, daytime"),
    "evenings": N_("Weekday evenings"),
    "weekends": N_("Weekends"),
    "flexible": N_("Flexible"),
}
STATE_WORDS = {
    "requested": N_("waiting for a coach"),
    "approved": N_("approved, introduction on its way"),
    "declined": N_("declined"),
    "active": N_("active"),
    "completed": N_("completed"),
    "cancelled": N_("cancelled"),
}
REASONS = {
    "no_match": N_("none of our mentors fits your request at the moment."),
    "full": N_("the mentors who fit are fully booked; please ask again in a few weeks."),
    "scope": N_("a coach can help you better than a mentor: use “Ask a coach” after a question."),
    "details": N_("we need more details; please send a new request that says what you need."),
}


def languages_of(codes: tuple[str, ...]) -> str:
    """Native names of languages, e.g. ``العربية, Italiano``."""
    return ", ".join(LANGUAGE_NAMES[code] for code in codes if code in LANGUAGE_NAMES)


def countries_of(codes: tuple[str, ...], _: Translate) -> str:
    """Country names in the reader's language."""
    return ", ".join(_(COUNTRY_WORDS[code]) for code in codes if code in COUNTRY_WORDS)


def mentor_card(mentor: MentorView, lang: str) -> str:
    """A mentor as a person sees them: name, bio in their language, languages and countries (HTML)."""
    _ = translator(lang)
    lines = [f"👤 <b>{html.escape(mentor.name)}</b>"]
    bio = mentor.bio_in(lang)
    if bio:
        lines.append(html.escape(bio))
    lines.append(f"🗣 {languages_of(mentor.languages)} · 📍 {countries_of(mentor.countries, _)}")
    return "\n".join(lines)


def mention(telegram_id: int | None, name: str) -> str:
    """A link that opens a private chat with someone (Telegram's inline mention), escaped."""
    if telegram_id is None:
        return html.escape(name)
    return f'<a href="tg://user?id={telegram_id}">{html.escape(name)}</a>'


async def _send(context: JobContext, pseudonym: str, text: str) -> Delivery:
    if context.notifier is None:
        raise RuntimeError("no notifier in this worker")
    delivery = await context.notifier.send_text(pseudonym, text)
    if delivery is Delivery.FAILED:
        raise RuntimeError("sending failed; retrying later")
    return delivery  # UNREACHABLE: they blocked the bot or left; nothing to retry


async def _language(context: JobContext, pseudonym: str) -> str:
    found = await context.services.mentoring.language_of(pseudonym)
    return found or context.services.default_language


async def _request(job: JobView, context: JobContext) -> RequestView | None:
    return await context.services.mentoring.get(int(job.payload["request_id"]))


async def remind_coaches(job: JobView, context: JobContext) -> None:
    """After 72 h without a coach: remind the coaches once and tell the person it is still pending."""
    request = await _request(job, context)
    if request is None or request.state != "requested":
        return  # handled (or erased) meanwhile: nothing to say
    notifier = context.notifier
    if isinstance(notifier, CoachNotifier):
        text = (
            f"⏰ <b>{request.label}</b> has waited 72 h for a coach "
            f"({request.country} · {request.sector}). Please approve, pick another or decline on its card, "
            "or see /mentorrequests."
        )
        if await notifier.send_to_coaches(text) is Delivery.FAILED:
            raise RuntimeError("posting to the coaches failed; retrying later")
    _ = translator(await _language(context, request.pseudonym))
    text = _(
        "⏳ Your mentoring request {label} is still waiting for a coach. We have reminded them; "
        "thank you for your patience."
    ).format(label=request.label)
    await _send(context, request.pseudonym, text)


async def introduce(job: JobView, context: JobContext) -> None:
    """After an approval: introduce the mentee to the mentor, or the mentor to the mentee."""
    assert job.pseudonym is not None
    request = await _request(job, context)
    if request is None or request.state not in ("approved", "active") or request.mentor_id is None:
        return
    mentor = await context.services.mentoring.mentor(request.mentor_id)
    if mentor is None:
        return
    lang = await _language(context, job.pseudonym)
    _ = translator(lang)
    if job.payload.get("to") == "mentor":
        mentee = await context.services.mentoring.telegram_id_of(request.pseudonym)
        text = _(
            "🤝 You have a new mentee ({label}): {sector}, {country}, speaks {languages}, "
            "free: {availability}.\nWhat they need: {need}\nSay hello: {link}"
        ).format(
            label=request.label,
            sector=_(SECTOR_WORDS[request.sector]),
            country=countries_of((request.country,), _),
            languages=languages_of(request.languages),
            availability=_(AVAILABILITY_WORDS[request.availability]),
            need=html.escape(request.need) if request.need else "—",
            link=mention(mentee, request.label),
        )
        await _send(context, job.pseudonym, text)
        return
    if mentor.telegram_id is not None:
        contact = _("Write to {name} here: {link}").format(
            name=html.escape(mentor.name), link=mention(mentor.telegram_id, mentor.name)
        )
    else:
        contact = _("A coach will put you in touch with {name} in the next few days.").format(
            name=html.escape(mentor.name)
        )
    heading = _("🤝 Good news! A coach approved your mentoring request {label}. Your mentor:").format(
        label=request.label
    )
    delivery = await _send(context, job.pseudonym, f"{heading}\n\n{mentor_card(mentor, lang)}\n\n{contact}")
    if delivery is Delivery.SENT:
        await context.services.mentoring.mark_active(request.id)


async def tell_declined(job: JobView, context: JobContext) -> None:
    """Tell the person their request was declined, and why, in their language."""
    request = await _request(job, context)
    if request is None or request.state != "declined":
        return
    _ = translator(await _language(context, request.pseudonym))
    reason = _(REASONS.get(request.decline_reason or "", REASONS["no_match"]))
    text = _("Your mentoring request {label} was declined by the coaches: {reason}").format(
        label=request.label, reason=reason
    )
    await _send(
        context, request.pseudonym, text + "\n" + _("You can send a new request at any time: /mentoring")
    )


async def tell_mentor_ended(job: JobView, context: JobContext) -> None:
    """Tell the mentor (when they use the bot) that a mentee cancelled or completed: a place is free."""
    assert job.pseudonym is not None
    request = await _request(job, context)
    if request is None or request.state not in ("cancelled", "completed"):
        return
    _ = translator(await _language(context, job.pseudonym))
    text = _("ℹ️ The mentoring {label} has ended ({state}). Thank you for your time!").format(
        label=request.label, state=_(STATE_WORDS[request.state])
    )
    await _send(context, job.pseudonym, text)


MENTORING_JOB_HANDLERS: dict[str, JobHandler] = {
    REMINDER_JOB: remind_coaches,
    INTRODUCE_JOB: introduce,
    DECLINED_JOB: tell_declined,
    ENDED_JOB: tell_mentor_ended,
}
