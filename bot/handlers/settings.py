"""Settings: language (also ``/language``), country and sector."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from actions.ask import AskResult
from bot import callbacks, keyboards
from bot.context import InterHubContext, Who, who
from bot.features import Command, Feature, MenuEntry
from bot.handlers.common import privacy_screen, profile_summary, show_menu
from bot.replies import reply
from core.i18n import LANGUAGE_NAMES, N_


async def language_command(update: Update, context: InterHubContext) -> None:
    """Shows the language picker."""
    w = await who(update, context)
    await reply(
        context, w, w._("🌐 Please choose your language:"), keyboards.language_picker("setlang", w.lang)
    )


async def language_set(update: Update, context: InterHubContext) -> None:
    """Stores the new language and shows the menu in it."""
    query = update.callback_query
    assert query is not None
    lang = callbacks.value_of(query.data)
    await context.services.users.set_language(query.from_user.id, lang)
    await query.answer()
    await query.edit_message_text(f"🌐 {LANGUAGE_NAMES[lang]}")
    w = await who(update, context, fresh=True)
    await show_menu(
        context, w, w._("✅ I will write to you in {language}.").format(language=LANGUAGE_NAMES[lang])
    )


async def settings_entry(update: Update, context: InterHubContext) -> None:
    """Opens one setting: language, country, sector or privacy."""
    query = update.callback_query
    assert query is not None
    item = callbacks.value_of(query.data)
    w = await who(update, context)
    await query.answer()
    if item == "language":
        await reply(
            context, w, w._("🌐 Please choose your language:"), keyboards.language_picker("setlang", w.lang)
        )
    elif item == "privacy":
        await reply(context, w, *privacy_screen(w._, w.profile))
    elif not w.profile.has_consent:
        await reply(
            context,
            w,
            w._("To store your country and sector I need your consent first."),
            keyboards.privacy_menu(w._, has_consent=False, invitations=w.profile.invitations),
        )
    elif item == "country":
        await reply(
            context, w, w._("In which country is your business?"), keyboards.country_picker(w._, "setcountry")
        )
    else:
        await reply(
            context, w, w._("What is your business about?"), keyboards.sector_picker(w._, "setsector")
        )


async def profile_field_set(update: Update, context: InterHubContext) -> None:
    """Stores a new country or sector and shows the settings again."""
    query = update.callback_query
    assert query is not None
    action, value = (query.data or ":").split(":", 1)
    w = await who(update, context)
    if not w.profile.has_consent:
        await query.answer(
            w._("To store your country and sector I need your consent first."), show_alert=True
        )
        return
    if action == "setcountry":
        profile = await context.services.users.set_country(query.from_user.id, value)
    else:
        profile = await context.services.users.set_sector(query.from_user.id, value)
    await query.answer(w._("Saved."))
    await query.edit_message_reply_markup(None)
    await reply(context, w, profile_summary(w._, profile, w.lang), keyboards.settings_menu(w._, True))


async def open_settings(context: InterHubContext, w: Who) -> None:
    """Shows the settings summary with its buttons."""
    await reply(
        context,
        w,
        profile_summary(w._, w.profile, w.lang),
        keyboards.settings_menu(w._, w.profile.has_consent),
        intent="settings",
    )


async def show_settings(update: Update, context: InterHubContext) -> None:
    """Handles /settings."""
    await open_settings(context, await who(update, context))


async def pick_language(context: InterHubContext, w: Who, result: AskResult) -> None:
    """The person asked, in words, to change the language."""
    await reply(context, w, result.answer, keyboards.language_picker("setlang", w.lang))


def _handlers() -> list[BaseHandler[Update, InterHubContext, None]]:
    return [
        CallbackQueryHandler(language_set, pattern=callbacks.SET_LANG),
        CallbackQueryHandler(settings_entry, pattern=callbacks.SETTINGS),
        CallbackQueryHandler(profile_field_set, pattern=callbacks.SET_COUNTRY),
        CallbackQueryHandler(profile_field_set, pattern=callbacks.SET_SECTOR),
    ]


FEATURE = Feature(
    name="settings",
    handlers=_handlers,
    commands=(
        Command("language", N_("Change language"), language_command),
        Command("settings", N_("Your settings"), show_settings),
    ),
    menu=(MenuEntry("settings", N_("⚙️ Settings"), open_settings),),
    intents={"change_language": pick_language},
)
