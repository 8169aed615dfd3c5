"""Invitations from the coaches: ``/stop_invitations``, ``/start_invitations`` and the "Stop invitations"
button on every broadcast message. Sending is ``actions.broadcast_delivery``; no conversation here.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from actions.broadcast_delivery import STOP_DATA
from bot.context import InterHubContext, Who, who
from bot.features import Command, Feature
from bot.replies import reply
from core.i18n import N_

STOPPED = N_(
    "🔕 Done: you will get no more invitations from the coaches. Send /start_invitations to get them again."
)
STARTED = N_("🔔 Done: you will get invitations from the coaches again. Send /stop_invitations to stop them.")


async def _set(context: InterHubContext, w: Who, wanted: bool) -> None:
    await context.services.broadcasts.set_invitations(w.telegram_id, wanted)
    text = w._(STARTED if wanted else STOPPED)
    await reply(context, w, text, w.main_menu(), intent="invitations_on" if wanted else "invitations_off")


async def stop_command(update: Update, context: InterHubContext) -> None:
    """Turns invitations off."""
    await _set(context, await who(update, context), False)


async def start_command(update: Update, context: InterHubContext) -> None:
    """Turns invitations on."""
    await _set(context, await who(update, context), True)


async def stop_button(update: Update, context: InterHubContext) -> None:
    """The button under a broadcast: turns invitations off."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    await _set(context, await who(update, context), False)


def _handlers() -> list[BaseHandler[Update, InterHubContext, None]]:
    return [CallbackQueryHandler(stop_button, pattern=f"^{STOP_DATA}$")]


FEATURE = Feature(
    name="broadcasts",
    handlers=_handlers,
    commands=(
        Command("stop_invitations", N_("Stop invitations from the coaches"), stop_command),
        Command("start_invitations", N_("Get invitations from the coaches again"), start_command),
    ),
)
