"""Privacy: the notice, consent changes, data export (``/mydata``) and erasure (``/forget``)."""

from __future__ import annotations

import io
import json

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from actions.ask import AskResult
from bot import callbacks, keyboards
from bot.context import InterHubContext, Who, who
from bot.features import Command, Feature
from bot.handlers.broadcasts import STARTED, STOPPED
from bot.handlers.common import privacy_screen
from bot.replies import reply
from core.i18n import N_


async def privacy_command(update: Update, context: InterHubContext) -> None:
    """Shows the privacy notice with the person's options."""
    w = await who(update, context)
    await reply(context, w, *privacy_screen(w._, w.profile), intent="privacy")


async def send_my_data(context: InterHubContext, w: Who) -> None:
    """Sends everything stored about the person as a JSON document."""
    data = await context.services.users.export(w.telegram_id)
    document = io.BytesIO(json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8"))
    await context.bot.send_document(
        w.chat_id,
        document,
        filename="interhub-my-data.json",
        caption=w._("📄 This is everything InterHub stores about you."),
    )
    await context.services.log.record(
        w.telegram_id, direction="out", language=w.lang, intent="privacy_mydata"
    )


async def mydata_command(update: Update, context: InterHubContext) -> None:
    """Handles /mydata."""
    await send_my_data(context, await who(update, context))


async def ask_forget(context: InterHubContext, w: Who) -> None:
    """Asks for confirmation before deleting everything."""
    await reply(
        context,
        w,
        w._("🗑️ Delete everything InterHub stores about you? This cannot be undone."),
        keyboards.confirm_forget(w._),
        intent="privacy_forget",
    )


async def forget_command(update: Update, context: InterHubContext) -> None:
    """Handles /forget."""
    await ask_forget(context, await who(update, context))


async def forget_answer(update: Update, context: InterHubContext) -> None:
    """Deletes everything after a yes; keeps everything after a no."""
    query = update.callback_query
    assert query is not None
    w = await who(update, context)
    await query.answer()
    await query.edit_message_reply_markup(None)
    if callbacks.value_of(query.data) == "no":
        await reply(context, w, w._("Nothing was deleted."), w.main_menu())
        return
    context.application.drop_user_data(w.telegram_id)
    context.application.drop_chat_data(w.chat_id)
    await context.services.users.forget(w.telegram_id)
    await context.bot.send_message(
        w.chat_id,
        w._("✅ Everything about you has been deleted. If you write again, InterHub starts afresh."),
    )


async def privacy_entry(update: Update, context: InterHubContext) -> None:
    """Handles the privacy buttons: consent, withdraw, invitations on or off, my data, forget."""
    query = update.callback_query
    assert query is not None
    item = callbacks.value_of(query.data)
    w = await who(update, context)
    await query.answer()
    if item == "mydata":
        await send_my_data(context, w)
    elif item == "forget":
        await ask_forget(context, w)
    elif item in ("invite_on", "invite_off"):
        wanted = item == "invite_on"
        await context.services.broadcasts.set_invitations(w.telegram_id, wanted)
        w = await who(update, context, fresh=True)
        text, markup = privacy_screen(w._, w.profile)
        await query.edit_message_text(text, reply_markup=markup)
        intent = "invitations_on" if wanted else "invitations_off"
        await reply(context, w, w._(STARTED if wanted else STOPPED), intent=intent)
    elif item == "consent":
        await context.services.users.give_consent(w.telegram_id)
        await query.edit_message_reply_markup(None)
        await reply(
            context,
            w,
            w._("Thank you! You can now set your country and sector."),
            keyboards.settings_menu(w._, has_consent=True),
        )
    else:
        await context.services.users.decline_consent(w.telegram_id)
        await query.edit_message_reply_markup(None)
        await reply(
            context,
            w,
            w._("Consent withdrawn: your country, sector and stored questions were deleted."),
            w.main_menu(),
        )


async def mydata_intent(context: InterHubContext, w: Who, result: AskResult) -> None:
    """The person asked, in words, for their data."""
    await send_my_data(context, w)


async def forget_intent(context: InterHubContext, w: Who, result: AskResult) -> None:
    """The person asked, in words, to be forgotten."""
    await ask_forget(context, w)


def _handlers() -> list[BaseHandler[Update, InterHubContext, None]]:
    return [
        CallbackQueryHandler(privacy_entry, pattern=callbacks.PRIVACY),
        CallbackQueryHandler(forget_answer, pattern=callbacks.FORGET),
    ]


FEATURE = Feature(
    name="privacy",
    handlers=_handlers,
    commands=(
        Command("privacy", N_("Your data and consent"), privacy_command),
        Command("mydata", N_("Download your data"), mydata_command),
        Command("forget", N_("Delete all your data"), forget_command),
    ),
    intents={"privacy_mydata": mydata_intent, "privacy_forget": forget_intent},
)
