"""Texts and views shared by several features."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from actions.users import Profile
from bot import keyboards
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


def invitations_line(_: Translate, on: bool) -> str:
    """Whether the person takes invitations from the coaches, for the privacy screen."""
    return _("🔔 Invitations from the coaches: on") if on else _("🔕 Invitations from the coaches: off")


def privacy_screen(_: Translate, profile: Profile) -> tuple[str, InlineKeyboardMarkup]:
    """The privacy notice with the invitations state, and the person's options."""
    text = f"{privacy_notice(_)}\n\n{invitations_line(_, profile.invitations)}"
    return text, keyboards.privacy_menu(_, profile.has_consent, profile.invitations)


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
