"""Texts and views shared by several features."""

from __future__ import annotations

from actions.users import Profile
from bot.context import InterHubContext, Who
from bot.keyboards import COUNTRY_NAMES, SECTOR_NAMES
from bot.replies import reply
from core.i18n import LANGUAGE_NAMES, Translate


def privacy_notice(_: Translate) -> str:
    """What we store, why and for how long, in plain words."""
    return _(
        "🔒 <b>Your data at InterHub</b>\n"
        "• Always: your Telegram id and your language — without them we cannot answer you.\n"
        "• Only if you agree: your country and sector, to tailor answers to you, and the questions you "
        "ask, to improve our answers. Questions are kept for 12 months.\n"
        "• Partner organisations see only anonymous statistics, never who asked what. We never sell data.\n"
        "• Your profile is deleted after 24 months without use, or at any time with /forget. "
        "/mydata sends you a copy of everything we store."
    )


def profile_summary(_: Translate, profile: Profile, lang: str) -> str:
    """The person's settings as a short list."""
    unknown = _("not set")
    country = _(COUNTRY_NAMES[profile.country]) if profile.country else unknown
    sector = _(SECTOR_NAMES[profile.sector]) if profile.sector else unknown
    consent = _("yes") if profile.has_consent else _("no")
    return _(
        "⚙️ <b>Settings</b>\nLanguage: {language}\nCountry: {country}\nSector: {sector}\n"
        "Stored profile: {consent}"
    ).format(language=LANGUAGE_NAMES[lang], country=country, sector=sector, consent=consent)


async def show_menu(context: InterHubContext, w: Who, lead: str | None = None) -> None:
    """Send the main menu, optionally after a short lead sentence."""
    text = w._("What would you like to do? Choose a topic or just type your question.")
    await reply(context, w, f"{lead}\n\n{text}" if lead else text, w.main_menu(), intent="menu")
