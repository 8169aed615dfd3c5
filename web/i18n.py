"""The dashboard's own gettext domain ``web`` in six languages, and how a request's language is chosen."""

from __future__ import annotations

from core.i18n import LANGUAGE_NAMES, Translate, translator

DOMAIN = "web"
WEB_LANGUAGES: tuple[str, ...] = ("en", "it", "de", "sl", "hr", "hu")
DEFAULT = "en"


def web_translator(lang: str) -> Translate:
    """The texts of a dashboard language (English for anything else)."""
    return translator(lang if lang in WEB_LANGUAGES else DEFAULT, DOMAIN)


def language_names() -> list[tuple[str, str]]:
    """(code, native name) of the dashboard languages, in selector order."""
    return [(code, LANGUAGE_NAMES[code]) for code in WEB_LANGUAGES]


def from_accept_language(header: str | None) -> str | None:
    """The supported language the browser prefers most (``de-CH,de;q=0.9,en;q=0.5`` → ``de``)."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        code = tag.strip().split("-", 1)[0].lower()
        if code in WEB_LANGUAGES and quality > 0:
            ranked.append((-quality, position, code))
    return min(ranked)[2] if ranked else None
