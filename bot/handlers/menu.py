"""The main menu and its entries; entries whose feature is not built yet say so."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot import callbacks, keyboards
from bot.context import InterHubContext, who
from bot.handlers.common import profile_summary, show_menu
from bot.replies import reply
from core.i18n import N_

COMING_SOON = {
    "legislation": N_("⚖️ Legislation: answers about permits, registration and food rules are coming soon."),
    "finance": N_("💶 Finance: answers about tax regimes, VAT, credit and banking are coming soon."),
    "marketing": N_(
        "📣 Marketing: answers about fairs, online presence and advertising rules are coming soon."
    ),
    "hr": N_("👥 HR: answers about hiring, wages and apprentices are coming soon."),
    "events": N_("📅 Events: workshops and meetings are coming soon."),
    "mentoring": N_("🤝 Mentoring: matching with a mentor is coming soon."),
    "feedback": N_("⭐ Feedback: the short questionnaire is coming soon."),
}


async def menu_command(update: Update, context: InterHubContext) -> None:
    """Shows the main menu."""
    w = await who(update, context)
    await show_menu(context, w)


async def menu_entry(update: Update, context: InterHubContext) -> None:
    """Opens a menu entry: settings, the menu itself, or a polite "coming soon"."""
    query = update.callback_query
    assert query is not None
    item = callbacks.value_of(query.data)
    w = await who(update, context)
    await query.answer()
    if item == "home":
        await show_menu(context, w)
    elif item == "settings":
        await reply(
            context,
            w,
            profile_summary(w._, w.profile, w.lang),
            keyboards.settings_menu(w._, w.profile.has_consent),
            intent="settings",
        )
    else:
        await reply(
            context,
            w,
            w._(COMING_SOON[item]) + "\n\n" + w._("Meanwhile, the main menu:"),
            keyboards.main_menu(w._),
            intent=f"menu_{item}",
        )


def handlers() -> list[BaseHandler[Update, InterHubContext, None]]:
    """The menu's handlers."""
    return [
        CommandHandler("menu", menu_command, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(menu_entry, pattern=callbacks.MENU),
    ]
