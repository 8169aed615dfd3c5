"""``/help``, ``/cancel`` outside a flow, greetings, and unknown commands."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, MessageHandler, filters

from actions.ask import AskResult
from bot.context import InterHubContext, Who, who
from bot.features import Command, Feature
from bot.handlers.common import show_menu
from bot.messaging import esc
from bot.replies import reply
from core.i18n import N_


def help_text(w: Who) -> str:
    """What the bot does and its commands."""
    _ = w._
    lines = [
        _(
            "ℹ️ <b>InterHub</b> answers questions about starting and running a business in Italy, Germany, "
            "Slovenia, Croatia and Hungary: permits, taxes, marketing and staff. Just type your question in "
            "your language."
        ),
        "",
    ]
    lines += [f"/{command.name} — {_(command.description)}" for command in w.features.public_commands]
    return "\n".join(lines)


async def help_command(update: Update, context: InterHubContext) -> None:
    """Explains what InterHub does."""
    w = await who(update, context)
    await reply(context, w, help_text(w), intent="help")


async def cancel_command(update: Update, context: InterHubContext) -> None:
    """Nothing is running: says so and shows the menu."""
    w = await who(update, context)
    await show_menu(context, w, w._("There is nothing to cancel."))


async def menu_with_answer(context: InterHubContext, w: Who, result: AskResult) -> None:
    """A greeting or a request for help: the short answer, then the menu."""
    await show_menu(context, w, result.answer)


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


def last_resort() -> list[BaseHandler[Update, InterHubContext, None]]:
    """Handlers that must come after every other command handler."""
    return [MessageHandler(filters.ChatType.PRIVATE & filters.COMMAND, unknown_command)]


FEATURE = Feature(
    name="help",
    commands=(
        Command("help", N_("What InterHub can do"), help_command),
        Command("cancel", N_("Stop what we are doing"), cancel_command),
    ),
    intents={"greet": menu_with_answer, "help": menu_with_answer},
)
