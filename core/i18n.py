"""Gettext catalogues and locale resolution.

Every user-facing string goes through ``translator(lang)``; messages are English msgids written with
``.format()`` placeholders. Catalogues live in ``locales/<lang>/LC_MESSAGES/messages.po`` and are
compiled to ``.mo`` by the build (``make locales``).
"""

from __future__ import annotations

import gettext
from functools import cache
from pathlib import Path
from typing import Protocol

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"

#: Supported interface languages with their native names, in picker order.
LANGUAGE_NAMES: dict[str, str] = {
    "en": "English",
    "it": "Italiano",
    "de": "Deutsch",
    "sl": "Slovenščina",
    "hr": "Hrvatski",
    "hu": "Magyar",
    "ar": "العربية",
    "zh": "中文",
    "uk": "Українська",
    "tr": "Türkçe",
    "es": "Español",
    "fr": "Français",
}
SUPPORTED_LANGUAGES: tuple[str, ...] = tuple(LANGUAGE_NAMES)
RTL_LANGUAGES = frozenset({"ar"})


class Translate(Protocol):
    """A language's texts: ``_(msgid)``, and ``_.ngettext(singular, plural, n)`` for a count."""

    def __call__(self, message: str, /) -> str: ...

    def ngettext(self, singular: str, plural: str, n: int, /) -> str: ...


class Texts:
    """One catalogue as a ``Translate``: the form for a count follows the catalogue's Plural-Forms."""

    def __init__(self, catalog: gettext.NullTranslations) -> None:
        self._catalog = catalog

    def __call__(self, message: str, /) -> str:
        """The translation of ``message``."""
        return self._catalog.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int, /) -> str:
        """The translation of the form that ``n`` takes (English: ``singular`` for 1)."""
        return self._catalog.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a string for extraction without translating it now."""
    return message


class MissingCatalogError(RuntimeError):
    """A compiled catalogue is missing: run ``make locales``."""


@cache
def _catalog(lang: str, domain: str) -> gettext.NullTranslations:
    if lang == "en":
        return gettext.NullTranslations()
    try:
        return gettext.translation(domain, localedir=LOCALES_DIR, languages=[lang])
    except FileNotFoundError:
        raise MissingCatalogError(
            f"no compiled {domain!r} catalogue for {lang!r} in {LOCALES_DIR}; run 'make locales'"
        ) from None


@cache
def translator(lang: str, domain: str = DOMAIN) -> Translate:
    """Return the texts of a supported language in a gettext domain (English for anything else): the
    bot's ``messages`` unless told, the dashboard's ``web``."""
    return Texts(_catalog(lang if lang in LANGUAGE_NAMES else "en", domain))


def normalise_language_code(code: str | None) -> str | None:
    """Map a Telegram ``language_code`` such as ``it-IT`` or ``zh-hans`` to a supported language."""
    if not code:
        return None
    base = code.replace("_", "-").split("-", 1)[0].lower()
    return base if base in LANGUAGE_NAMES else None


def resolve_language(stored: str | None, telegram_code: str | None, default: str) -> str:
    """Pick the stored choice, else Telegram's language if supported, else the default."""
    if stored in LANGUAGE_NAMES:
        return stored
    return normalise_language_code(telegram_code) or default


def is_rtl(lang: str) -> bool:
    """Tell whether a language is written right to left."""
    return lang in RTL_LANGUAGES
