"""Callback data: one grammar, validated by regular expressions built from the allowed values."""

from __future__ import annotations

import re

from actions.models import COUNTRIES, SECTORS
from core.i18n import SUPPORTED_LANGUAGES

MENU_ITEMS = ("legislation", "finance", "marketing", "hr", "events", "mentoring", "feedback", "settings")
SETTINGS_ITEMS = ("language", "country", "sector", "privacy")
PRIVACY_ITEMS = ("consent", "withdraw", "mydata", "forget", "invite_on", "invite_off")


def _pattern(action: str, values: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(rf"^{action}:({'|'.join(map(re.escape, values))})$")


LANG = _pattern("lang", SUPPORTED_LANGUAGES)
SET_LANG = _pattern("setlang", SUPPORTED_LANGUAGES)
CONSENT_YES = _pattern("consent", ("yes",))
CONSENT_NO = _pattern("consent", ("no",))
INVITE = _pattern("invite", ("yes", "no"))
COUNTRY = _pattern("country", COUNTRIES)
SET_COUNTRY = _pattern("setcountry", COUNTRIES)
SECTOR = _pattern("sector", SECTORS)
SET_SECTOR = _pattern("setsector", SECTORS)
MENU = _pattern("menu", (*MENU_ITEMS, "home"))
SETTINGS = _pattern("settings", SETTINGS_ITEMS)
PRIVACY = _pattern("privacy", PRIVACY_ITEMS)
FORGET = _pattern("forget", ("yes", "no"))
#: The country a question is about, picked when the bot asked "For which country?" (not stored).
ASK_COUNTRY = _pattern("askc", COUNTRIES)


def value_of(data: str | None) -> str:
    """Return the part after the colon of already validated callback data."""
    return (data or "").split(":", 1)[1]


#: Article buttons: ``art:<action>:<lang>:<article id>``; the id is checked against the knowledge base.
ARTICLE = re.compile(rf"^art:(more|src|up|down|open):({'|'.join(SUPPORTED_LANGUAGES)}):([a-z0-9-]{{3,48}})$")
COACH = re.compile(r"^coach:ask$")
