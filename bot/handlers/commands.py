"""``/help``, ``/cancel`` outside a flow, and unknown commands."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, MessageHandler, filters

from bot.context import InterHubContext, who
from bot.handlers.common import show_menu
from bot.messaging import esc
from bot.replies import reply
from core.i18n import N_, Translate

#: Commands shown in Telegram's menu (setMyCommands) and in /help, in this order.
COMMANDS: dict[str, str] = {
    "start": N_("Start or restart InterHub"),
    "menu": N_("Main menu"),
    "help": N_("What InterHub can do"),
    "language": N_("Change language"),
    "settings": N_("Your settings"),
    "privacy": N_("Your data and consent"),
    "mydata": N_("Download your data"),
    "forget": N_("Delete all your data"),
    "cancel": N_("Stop what we are doing"),
}


def help_text(_: Translate) -> str:
    """What the bot does and its commands."""
    lines = [
        _(
            "ℹ️ <b>InterHub</b> answers questions about starting and running a business in Italy, Germany, "
            "Slovenia, Croatia and Hungary: permits, taxes, marketing and staff. Just type your question in "
            "your language."
        ),
        "",
    ]
    lines += [f"/{command} — {_(description)}" for command, description in COMMANDS.items()]
    return "\n".join(lines)


async def help_command(update: Update, context: InterHubContext) -> None:
    """Explains what InterHub does."""
    w = await who(update, context)
    await reply(context, w, help_text(w._), intent="help")


async def cancel_command(update: Update, context: InterHubContext) -> None:
    """Nothing is running: says so and shows the menu."""
    w = await who(update, context)
    await show_menu(context, w, w._("There is nothing to cancel."))


async def unknown_command(update: Update, context: InterHubContext) -> None:
    """Answers commands we do not know."""
    w = await who(update, context)
    message = update.effective_message
    command = (message.text or "").split()[0][:40] if message else "/"
    await reply(
        context,
        w,
        w._("I don't know the command {command}. Send /help to see what I can do.").format(
            command=esc(command)
        ),
        intent="unknown_command",
    )


def handlers() -> list[BaseHandler[Update, InterHubContext, None]]:
    """Help and cancel."""
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("help", help_command, filters=private),
        CommandHandler("cancel", cancel_command, filters=private),
    ]


def last_resort() -> list[BaseHandler[Update, InterHubContext, None]]:
    """Handlers that must come after every other command handler."""
    return [MessageHandler(filters.ChatType.PRIVATE & filters.COMMAND, unknown_command)]
