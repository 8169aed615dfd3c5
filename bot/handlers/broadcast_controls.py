"""The coach's buttons under a broadcast's progress message: Pause, Resume, Cancel (asked once more).

The state and the role are checked in ``actions.broadcasts``; a forged or stale button gets a polite alert.
"""

from __future__ import annotations

import re

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from actions.broadcast_progress import PREFIX, STATE_NAMES, render
from actions.broadcasts import BroadcastError
from actions.roles import NotAllowed
from bot.context import InterHubContext, who
from bot.handlers.broadcast_forms import as_markup, markup
from bot.handlers.events_forms import EXPIRED, FOR_STAFF, say
from core.i18n import N_

BUTTON = re.compile(rf"^{PREFIX}:(pause|resume|cancel|cancelyes):(\d{{1,9}})$")
NOT_NOW = N_("Not possible now: this broadcast is {state}.")


async def on_button(update: Update, context: InterHubContext) -> None:
    """Pauses, resumes, or cancels (after a second tap) a broadcast, then shows its progress."""
    query = update.callback_query
    assert query is not None
    match = BUTTON.match(query.data or "")
    assert match is not None
    action, broadcast_id = match.group(1), int(match.group(2))
    w, broadcasts, actor = await who(update, context), context.services.broadcasts, query.from_user.id
    view = await broadcasts.get(broadcast_id)
    if view is None:
        await query.answer(w._(EXPIRED), show_alert=True)
        return
    try:
        if action == "cancel":
            if not await context.services.roles.allows(actor, "broadcasts.manage", view.segment.country):
                raise NotAllowed("broadcasts.manage")
            if view.state not in ("sending", "paused"):
                raise BroadcastError(view.state)
            await query.answer()
            sure = markup([[(w._("❌ Yes, cancel it"), f"{PREFIX}:cancelyes:{broadcast_id}")]])
            text = w._("Cancel broadcast {id}? The messages not sent yet will not be sent.")
            await say(update, text.format(id=broadcast_id), sure)
            return
        if action == "pause":
            await broadcasts.pause(broadcast_id, actor=actor)
        elif action == "resume":
            await broadcasts.resume(broadcast_id, actor=actor)
        else:
            await broadcasts.cancel(broadcast_id, actor=actor)
    except NotAllowed:
        await query.answer(w._(FOR_STAFF), show_alert=True)
        return
    except BroadcastError:
        fresh = await broadcasts.get(broadcast_id)
        state = w._(STATE_NAMES[fresh.state if fresh else view.state])
        await query.answer(w._(NOT_NOW).format(state=state), show_alert=True)
        return
    fresh = await broadcasts.get(broadcast_id)
    assert fresh is not None
    await query.answer(w._(STATE_NAMES[fresh.state]))
    if action == "cancelyes":
        await query.edit_message_reply_markup(None)
        return
    text, buttons = render(w._, fresh)
    await query.edit_message_text(text, reply_markup=as_markup(buttons))


def handlers() -> list[BaseHandler[Update, InterHubContext, None]]:
    """The progress message's buttons."""
    return [CallbackQueryHandler(on_button, pattern=BUTTON)]
