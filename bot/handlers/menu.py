"""The main menu: ``/menu`` and its buttons, each opening the entry a feature declared."""

from __future__ import annotations

from telegram import Update

from bot.context import InterHubContext, who
from bot.features import Command, Feature
from bot.handlers.common import show_menu
from core.i18n import N_


async def menu_command(update: Update, context: InterHubContext) -> None:
    """Shows the main menu."""
    w = await who(update, context)
    await show_menu(context, w)


async def menu_entry(update: Update, context: InterHubContext) -> None:
    """Opens the feature behind a menu button (``menu:home`` shows the menu again)."""
    query = update.callback_query
    assert query is not None
    key = (query.data or "").split(":", 1)[1]
    w = await who(update, context)
    await query.answer()
    entry = context.features.menu_entry(key)
    if entry is None:
        await show_menu(context, w)
    else:
        await entry.open(context, w)


FEATURE = Feature(
    name="menu",
    commands=(Command("menu", N_("Main menu"), menu_command),),
)
