"""Inline keyboards. Labels come from the catalogues; data follows ``bot.callbacks``."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from actions.models import COUNTRIES, SECTORS
from core.i18n import LANGUAGE_NAMES, N_, Translate

COUNTRY_FLAGS = {"IT": "🇮🇹", "DE": "🇩🇪", "SI": "🇸🇮", "HR": "🇭🇷", "HU": "🇭🇺"}
COUNTRY_NAMES = {
    "IT": N_("Italy"),
    "DE": N_("Germany"),
    "SI": N_("Slovenia"),
    "HR": N_("Croatia"),
    "HU": N_("Hungary"),
}
SECTOR_NAMES = {
    "fashion": N_("Fashion"),
    "design": N_("Design"),
    "food": N_("Food"),
    "other": N_("Other"),
}
MENU_LABELS = {
    "legislation": N_("⚖️ Legislation"),
    "finance": N_("💶 Finance"),
    "marketing": N_("📣 Marketing"),
    "hr": N_("👥 HR"),
    "events": N_("📅 Events"),
    "mentoring": N_("🤝 Mentoring"),
    "feedback": N_("⭐ Feedback"),
    "settings": N_("⚙️ Settings"),
}


def _rows(buttons: list[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + width] for i in range(0, len(buttons), width)]


def language_picker(action: str, preselected: str | None) -> InlineKeyboardMarkup:
    """Languages by native name; the preselected one comes first and is ticked."""
    codes = list(LANGUAGE_NAMES)
    if preselected in LANGUAGE_NAMES:
        codes.remove(preselected)
        codes.insert(0, preselected)
    buttons = [
        InlineKeyboardButton(
            ("✅ " if code == preselected else "") + LANGUAGE_NAMES[code], callback_data=f"{action}:{code}"
        )
        for code in codes
    ]
    return InlineKeyboardMarkup(_rows(buttons, 3))


def consent(_: Translate) -> InlineKeyboardMarkup:
    """Agree or continue without a stored profile."""
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(_("✅ I agree"), callback_data="consent:yes")],
            [InlineKeyboardButton(_("Continue without a profile"), callback_data="consent:no")],
        ]
    )


def invitations(_: Translate) -> InlineKeyboardMarkup:
    """Onboarding: invitations from the coaches, yes or no."""
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(_("🔔 Yes, invite me"), callback_data="invite:yes")],
            [InlineKeyboardButton(_("No, thanks"), callback_data="invite:no")],
        ]
    )


def country_picker(_: Translate, action: str = "country") -> InlineKeyboardMarkup:
    """The five countries with flags."""
    buttons = [
        InlineKeyboardButton(
            f"{COUNTRY_FLAGS[code]} {_(COUNTRY_NAMES[code])}", callback_data=f"{action}:{code}"
        )
        for code in COUNTRIES
    ]
    return InlineKeyboardMarkup(_rows(buttons, 2))


def sector_picker(_: Translate, action: str = "sector") -> InlineKeyboardMarkup:
    """Fashion, design, food or other."""
    buttons = [
        InlineKeyboardButton(_(SECTOR_NAMES[code]), callback_data=f"{action}:{code}") for code in SECTORS
    ]
    return InlineKeyboardMarkup(_rows(buttons, 2))


def main_menu(_: Translate) -> InlineKeyboardMarkup:
    """The eight entries of the main menu, two per row."""
    buttons = [
        InlineKeyboardButton(_(label), callback_data=f"menu:{item}") for item, label in MENU_LABELS.items()
    ]
    return InlineKeyboardMarkup(_rows(buttons, 2))


def settings_menu(_: Translate, has_consent: bool) -> InlineKeyboardMarkup:
    """Language always; country and sector only with a stored profile; privacy always."""
    rows = [[InlineKeyboardButton(_("🌐 Language"), callback_data="settings:language")]]
    if has_consent:
        rows.append(
            [
                InlineKeyboardButton(_("📍 Country"), callback_data="settings:country"),
                InlineKeyboardButton(_("🏷️ Sector"), callback_data="settings:sector"),
            ]
        )
    rows.append([InlineKeyboardButton(_("🔒 Privacy"), callback_data="settings:privacy")])
    rows.append([InlineKeyboardButton(_("⬅️ Main menu"), callback_data="menu:home")])
    return InlineKeyboardMarkup(rows)


def privacy_menu(_: Translate, has_consent: bool, invitations: bool) -> InlineKeyboardMarkup:
    """Consent toggle, invitations toggle (showing the current state), data export and erasure."""
    toggle = (
        InlineKeyboardButton(_("Withdraw consent"), callback_data="privacy:withdraw")
        if has_consent
        else InlineKeyboardButton(_("✅ I agree"), callback_data="privacy:consent")
    )
    invite = (
        InlineKeyboardButton(_("🔔 Invitations: on · turn off"), callback_data="privacy:invite_off")
        if invitations
        else InlineKeyboardButton(_("🔕 Invitations: off · turn on"), callback_data="privacy:invite_on")
    )
    return InlineKeyboardMarkup(
        [
            [toggle],
            [invite],
            [InlineKeyboardButton(_("📄 Download my data"), callback_data="privacy:mydata")],
            [InlineKeyboardButton(_("🗑️ Delete my data"), callback_data="privacy:forget")],
            [InlineKeyboardButton(_("⬅️ Main menu"), callback_data="menu:home")],
        ]
    )


def confirm_forget(_: Translate) -> InlineKeyboardMarkup:
    """Second step of erasure: yes or no."""
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(_("Yes, delete everything"), callback_data="forget:yes")],
            [InlineKeyboardButton(_("No, keep my data"), callback_data="forget:no")],
        ]
    )
