"""What the coach's ``/broadcast`` conversation shows: the segment with its buttons, the texts each language
will read (the coach's translation, a marked machine translation, or the original; an event's card added
in the reader's language) and the preview, composed exactly as ``actions.broadcast_delivery`` sends it.
"""

from __future__ import annotations

import html
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from actions.broadcast_delivery import compose
from actions.broadcasts import MAX_TEXT, BroadcastView, Segment, visible_length
from actions.event_jobs import localise, place, when
from actions.events import EventView
from actions.models import COUNTRIES, SECTORS
from actions.translation import TranslationClient, TranslationUnavailable
from bot.keyboards import COUNTRY_FLAGS, COUNTRY_NAMES, SECTOR_NAMES
from core.i18n import LANGUAGE_NAMES, N_, SUPPORTED_LANGUAGES, Translate, translator
from core.notify import Button

#: Room kept for an event's card under the coach's text.
CARD_ROOM = 800
ACTIVE_DAYS = (7, 30, 90)
MACHINE_MARK = N_("🌐 Machine-translated from the coach's message.")
RELATIONS = {
    "enrolled": N_("📅 enrolled in event {id}"),
    "attended": N_("☑️ attended event {id}"),
    "not_enrolled": N_("🆕 not enrolled in event {id} yet"),
}
ANY = N_("Anyone")


def text_limit(event_id: int | None) -> int:
    """How long the coach's own text may be."""
    return MAX_TEXT - CARD_ROOM if event_id is not None else MAX_TEXT


def markup(rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup:
    """Rows of (label, data) as an inline keyboard."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


def as_markup(buttons: list[list[Button]]) -> InlineKeyboardMarkup | None:
    """``core.notify`` buttons as Telegram's."""
    return markup([[(b.label, b.data) for b in row] for row in buttons]) if buttons else None


def segment_lines(_: Translate, segment: Segment) -> list[str]:
    """The parts of a segment in words; an empty segment is everyone who takes invitations."""
    lines = []
    if segment.country:
        lines.append(f"{COUNTRY_FLAGS[segment.country]} {_(COUNTRY_NAMES[segment.country])}")
    if segment.language:
        lines.append(f"🗣 {LANGUAGE_NAMES[segment.language]}")
    if segment.sector:
        lines.append(f"🏷 {_(SECTOR_NAMES[segment.sector])}")
    for key, template in RELATIONS.items():
        event_id = getattr(segment, key)
        if event_id:
            lines.append(_(template).format(id=event_id))
    if segment.active_days:
        days = segment.active_days
        active = _.ngettext("⏱ active in the last {days} day", "⏱ active in the last {days} days", days)
        lines.append(active.format(days=days))
    return lines or [_("👥 everyone who takes invitations")]


def too_long(_: Translate, count: int, limit: int) -> str:
    """A text of ``count`` characters is over ``limit``: ask for a shorter one."""
    said = _.ngettext("That is {count} character", "That is {count} characters", count).format(count=count)
    rule = _.ngettext("the limit is {limit} character", "the limit is {limit} characters", limit)
    return _("{too_long}; {the_limit}. Please shorten it:").format(
        too_long=said, the_limit=rule.format(limit=limit)
    )


def preview_head(_: Translate, people: int, languages: int) -> str:
    """``👀 Preview: 12 people will get it, in 3 languages.``"""
    spread = _.ngettext("in {languages} language", "in {languages} languages", languages)
    head = _.ngettext(
        "👀 Preview: {count} person will get it, {in_languages}.",
        "👀 Preview: {count} people will get it, {in_languages}.",
        people,
    )
    return head.format(count=people, in_languages=spread.format(languages=languages))


def segment_menu(_: Translate, segment: Segment, count: int | None) -> tuple[str, InlineKeyboardMarkup]:
    """The segment so far, how many it reaches, and the buttons that narrow it."""
    lines = [_("🎯 Who gets it? Tap to narrow it down; only people who agreed to invitations count.")]
    lines += [f"• {line}" for line in segment_lines(_, segment)]
    if count is None:
        lines.append(_("Please choose a country you coach first."))
    else:
        lines.append(
            _.ngettext("👥 {count} person now.", "👥 {count} people now.", count).format(count=count)
        )
    rows = [
        [(_("🌍 Country"), "bcn:seg:country"), (_("🗣 Language"), "bcn:seg:language")],
        [(_("🏷 Sector"), "bcn:seg:sector"), (_("📅 Event"), "bcn:seg:event")],
        [(_("⏱ Active recently"), "bcn:seg:active"), (_("♻️ Start again"), "bcn:seg:clear")],
        [(_("👀 Preview"), "bcn:seg:preview")],
    ]
    return "\n".join(lines), markup(rows)


def picker(_: Translate, kind: str, countries: tuple[str, ...]) -> InlineKeyboardMarkup:
    """The choices for one part of the segment (``countries``: those the coach may write to)."""
    choices: list[tuple[str, str]]
    if kind == "country":
        choices = [(f"{COUNTRY_FLAGS[c]} {_(COUNTRY_NAMES[c])}", c) for c in countries]
    elif kind == "language":
        choices = [(LANGUAGE_NAMES[lang], lang) for lang in SUPPORTED_LANGUAGES]
    elif kind == "sector":
        choices = [(_(SECTOR_NAMES[s]), s) for s in SECTORS]
    else:
        choices = [
            (_.ngettext("{days} day", "{days} days", days).format(days=days), str(days))
            for days in ACTIVE_DAYS
        ]
    if kind != "country" or countries == COUNTRIES:
        choices.append((_(ANY), "any"))
    buttons = [(label, f"bcn:set:{kind}:{value}") for label, value in choices]
    return markup([buttons[i : i + 3] for i in range(0, len(buttons), 3)])


def relation_picker(_: Translate, event_id: int) -> InlineKeyboardMarkup:
    """How the people relate to the chosen event."""
    rows = [
        [(_("Enrolled"), f"bcn:set:enrolled:{event_id}"), (_("Attended"), f"bcn:set:attended:{event_id}")],
        [
            (_("Not enrolled yet"), f"bcn:set:not_enrolled:{event_id}"),
            (_(ANY), f"bcn:set:noevent:{event_id}"),
        ],
    ]
    return markup(rows)


def event_label(event: EventView) -> str:
    """``12. 04.03 · Milano · Title`` for a button."""
    return f"{event.id}. {event.local_start:%d.%m} · {event.city} · {event.title}"[:64]


async def card(event: EventView, lang: str, translations: TranslationClient) -> str:
    """The event's card in a language, as Telegram HTML: the title in bold, every text escaped."""
    _ = translator(lang)
    texts = await localise(event, lang, translations)
    lines = [f"📅 <b>{html.escape(texts.title)}</b>", f"🕒 {when(event)}", f"📍 {place(event, _)}"]
    if texts.note:
        lines.append(html.escape(texts.note))
    return "\n".join(lines)


async def final_texts(
    draft: dict[str, Any],
    coach_lang: str,
    languages: list[str],
    event: EventView | None,
    translations: TranslationClient,
) -> tuple[str, dict[str, str], set[str]]:
    """The original, the text per reader language: the coach's translation, else a marked machine
    translation when ``TRANSLATOR`` is set, else the original; an invitation gets its card below),
    and the languages that read the coach's text untranslated. The texts are Telegram HTML: what the
    coach (or the translator) wrote is escaped, the card keeps its formatting."""
    text, supplied = str(draft["text"]), dict(draft.get("translations", {}))
    escaped = html.escape(text, quote=False)

    async def body(lang: str) -> tuple[str, bool]:
        if lang == coach_lang:
            return escaped, True
        if lang in supplied:
            return html.escape(supplied[lang], quote=False), True
        if translations.available:
            try:
                found = await translations.translate(text, coach_lang, lang)
            except TranslationUnavailable:
                return escaped, False
            return f"{html.escape(found, quote=False)}\n\n{translator(lang)(MACHINE_MARK)}", True
        return escaped, False

    async def full(lang: str) -> tuple[str, bool]:
        found, own = await body(lang)
        if event is not None:
            found = f"{found}\n\n{await card(event, lang, translations)}"
        return found, own

    original, _own = await full(coach_lang)
    per_language: dict[str, str] = {}
    untranslated: set[str] = set()
    for lang in languages:
        if lang == coach_lang:
            continue
        found, own = await full(lang)
        if (own or event is not None) and visible_length(found, True) <= MAX_TEXT:
            per_language[lang] = found
        if not own:
            untranslated.add(lang)
    return original, per_language, untranslated


def preview_messages(
    _: Translate,
    original: str,
    coach_lang: str,
    per_language: dict[str, str],
    untranslated: set[str],
    event_id: int | None,
    audience: dict[str, int],
) -> list[str]:
    """One message per language present: its readers, the text and the buttons, as they will get it."""
    view = BroadcastView(
        0, original, coach_lang, per_language, event_id, Segment(), "draft", None, is_html=True
    )
    messages = []
    for lang, count in sorted(audience.items(), key=lambda item: (-item[1], item[0])):
        text, buttons = compose(view, lang)
        labels = " ".join(f"[{b.label}]" for row in buttons for b in row)
        head = _.ngettext("🌐 {language} · {count} person", "🌐 {language} · {count} people", count)
        head = head.format(language=LANGUAGE_NAMES[lang], count=count)
        if lang in untranslated or (lang != coach_lang and lang not in per_language):
            head += "\n" + _("(no translation: they read your text as written)")
        messages.append(f"<b>{head}</b>\n\n{text}\n\n{html.escape(labels)}")
    return messages


def by_language(audience: dict[str | None, int], coach_lang: str) -> dict[str, int]:
    """The audience per language, people with no language stored counted with the coach's."""
    merged: dict[str, int] = {}
    for lang, count in audience.items():
        key = lang if lang in LANGUAGE_NAMES else coach_lang
        merged[key] = merged.get(key, 0) + count
    return merged
