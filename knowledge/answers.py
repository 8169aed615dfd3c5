"""Compose what a person reads: the answer card, the full text, the sources — in their language."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date

from core.i18n import Translate
from knowledge.models import Article

#: Topics whose answers carry the "not legal advice" line.
ADVICE_TOPICS = frozenset({"legislation", "finance"})


@dataclass(frozen=True)
class Localised:
    """An article's texts in one language, possibly machine-translated from English."""

    title: str
    summary: str
    body: str
    language: str
    machine_translated: bool = False
    english_fallback: bool = False
    passage: tuple[str, ...] = ()  # the body lines that best answer the question


def _e(text: str) -> str:
    return html.escape(text, quote=False)


def advice_line(article: Article, text: Localised) -> str | None:
    """The body's closing "not legal advice" line, for legislation and finance."""
    if article.topic not in ADVICE_TOPICS:
        return None
    last = text.body.strip().splitlines()[-1].strip()
    return last or None


def notes(article: Article, text: Localised, _: Translate, today: date) -> list[str]:
    """Lines that qualify the answer: stale, machine-translated, English fallback."""
    lines: list[str] = []
    if today > article.review_by:
        lines.append(
            _("⚠️ Last checked on {date}: this may be out of date.").format(date=article.reviewed.isoformat())
        )
    if text.machine_translated:
        lines.append(_("🌐 Machine-translated from English."))
    if text.english_fallback:
        lines.append(_("ℹ️ Translation is not available right now, so here is the answer in English."))
    return lines


def card(article: Article, text: Localised, _: Translate, today: date) -> str:
    """Title, summary and the body lines that answer the question: what a person on a phone needs first."""
    parts = [f"<b>{_e(text.title)}</b>", _e(text.summary)]
    if text.passage:
        parts.append("\n".join(f"▸ {_e(line)}" for line in text.passage))
    advice = advice_line(article, text)
    if advice:
        parts.append(f"<i>{_e(advice)}</i>")
    parts += notes(article, text, _, today)
    return "\n\n".join(parts)


def full_text(article: Article, text: Localised, _: Translate, today: date) -> str:
    """Title and the whole body (steps, offices, deadlines)."""
    return "\n\n".join([f"<b>{_e(text.title)}</b>", _e(text.body), *notes(article, text, _, today)])


def sources_text(article: Article, _: Translate) -> str:
    """Links to the official sources and the date the facts were checked."""
    lines = [_("🔗 <b>Sources</b> (checked on {date}):").format(date=article.reviewed.isoformat())]
    for source in article.sources:
        lines.append(f'• <a href="{html.escape(source.url)}">{_e(source.title)}</a> — {_e(source.publisher)}')
    return "\n".join(lines)
