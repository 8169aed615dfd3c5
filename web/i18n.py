"""The dashboard's own gettext domain ``web`` in six languages, and how a request's language is chosen."""

from __future__ import annotations

import gettext
from functools import cache

from core.i18n import LANGUAGE_NAMES, LOCALES_DIR, MissingCatalogError, Texts, Translate

DOMAIN = "web"
WEB_LANGUAGES: tuple[str, ...] = ("en", "it", "de", "sl", "hr", "hu")
DEFAULT = "en"


@cache
def _catalog(lang: str) -> gettext.NullTranslations:
    if lang == "en":
        return gettext.NullTranslations()
    try:
        return gettext.translation(DOMAIN, localedir=LOCALES_DIR, languages=[lang])
    except FileNotFoundError:
        raise MissingCatalogError(
            f"no compiled dashboard catalogue for {lang!r} in {LOCALES_DIR}; run 'make locales'"
        ) from None


def web_translator(lang: str) -> Translate:
    """The gettext function of a dashboard language (English for anything else)."""
    return Texts(_catalog(lang if lang in WEB_LANGUAGES else DEFAULT))


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
