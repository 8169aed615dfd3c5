"""Onboarding: language, privacy consent, invitations from the coaches (with a profile), country and
sector, then the main menu.

The flow is drawn in ``onboarding.mmd`` beside this module.
"""

from __future__ import annotations

import warnings
from typing import Any

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from actions.deeplinks import DeepLink, parse_payload
from bot import callbacks, keyboards
from bot.context import InterHubContext, Who, who
from bot.features import Command, Feature
from bot.handlers.common import privacy_notice, show_menu
from bot.handlers.deeplinks import open_deep_link
from bot.persistence import SqlPersistence
from bot.replies import reply
from core.i18n import LANGUAGE_NAMES, N_

LANGUAGE, CONSENT, INVITATIONS, COUNTRY, SECTOR = range(5)
CONVERSATION_NAME = "onboarding"
INVITATIONS_QUESTION = N_(
    "Thank you! Would you like invitations from the InterHub coaches to workshops and events near you? "
    "At most two a week; you can change this at any time in /privacy."
)
_PENDING_LINK = "pending_deep_link"


async def start(update: Update, context: InterHubContext) -> int:
    """Remembers a deep link, welcomes back known people, or asks for the language."""
    w = await who(update, context)
    link = parse_payload(context.args[0] if context.args else None, context.features.deep_links.keys())
    if w.profile.onboarded and w.profile.language:
        await show_menu(context, w, w._("👋 Welcome back to InterHub!"))
        if link:
            await open_deep_link(context, w, link)
        return ConversationHandler.END
    if link:
        _user_data(context)[_PENDING_LINK] = {"kind": link.kind, "ref": link.ref}
    await reply(
        context,
        w,
        w._(
            "👋 Welcome to InterHub! I help entrepreneurs with permits, taxes, marketing and staff.\n\n"
            "🌐 Please choose your language:"
        ),
        keyboards.language_picker("lang", w.lang),
        intent="onboarding_language",
    )
    return LANGUAGE


async def language_chosen(update: Update, context: InterHubContext) -> int:
    """Stores the language and shows the privacy notice with the consent question."""
    query = update.callback_query
    assert query is not None
    lang = callbacks.value_of(query.data)
    await context.services.users.set_language(query.from_user.id, lang)
    await query.answer()
    await query.edit_message_text(f"🌐 {LANGUAGE_NAMES[lang]}")
    w = await who(update, context, fresh=True)
    question = w._("Do you agree that InterHub stores your profile as described?")
    await reply(
        context,
        w,
        f"{privacy_notice(w._)}\n\n{question}",
        keyboards.consent(w._),
        intent="onboarding_consent",
    )
    return CONSENT


async def consent_given(update: Update, context: InterHubContext) -> int:
    """Records consent and asks whether the person wants invitations from the coaches."""
    query = update.callback_query
    assert query is not None
    await context.services.users.give_consent(query.from_user.id)
    w = await who(update, context, fresh=True)
    await query.answer()
    await query.edit_message_reply_markup(None)
    markup = keyboards.invitations(w._)
    await reply(context, w, w._(INVITATIONS_QUESTION), markup, intent="onboarding_invitations")
    return INVITATIONS


async def invitations_chosen(update: Update, context: InterHubContext) -> int:
    """Records the choice about invitations and asks for the country."""
    query = update.callback_query
    assert query is not None
    wanted = callbacks.value_of(query.data) == "yes"
    await context.services.broadcasts.set_invitations(query.from_user.id, wanted)
    w = await who(update, context, fresh=True)
    await query.answer()
    await query.edit_message_reply_markup(None)
    await reply(
        context,
        w,
        w._("Thank you! In which country is (or will be) your business?"),
        keyboards.country_picker(w._),
        intent="onboarding_country",
    )
    return COUNTRY


async def consent_declined(update: Update, context: InterHubContext) -> int:
    """Keeps no profile and opens the menu."""
    query = update.callback_query
    assert query is not None
    await context.services.users.decline_consent(query.from_user.id)
    w = await who(update, context, fresh=True)
    await query.answer()
    await query.edit_message_reply_markup(None)
    lead = w._(
        "No problem. We keep only your Telegram id and language. You can use all of InterHub: "
        "answers will be general, so tell me your country when you ask. You can change this in /privacy."
    )
    await _finish(context, w, lead)
    return ConversationHandler.END


async def country_chosen(update: Update, context: InterHubContext) -> int:
    """Stores the country and asks for the sector."""
    query = update.callback_query
    assert query is not None
    await context.services.users.set_country(query.from_user.id, callbacks.value_of(query.data))
    w = await who(update, context, fresh=True)
    await query.answer()
    await query.edit_message_reply_markup(None)
    await reply(
        context,
        w,
        w._("What is your business about?"),
        keyboards.sector_picker(w._),
        intent="onboarding_sector",
    )
    return SECTOR


async def sector_chosen(update: Update, context: InterHubContext) -> int:
    """Stores the sector and opens the main menu."""
    query = update.callback_query
    assert query is not None
    await context.services.users.set_sector(query.from_user.id, callbacks.value_of(query.data))
    w = await who(update, context, fresh=True)
    await query.answer()
    await query.edit_message_reply_markup(None)
    await _finish(context, w, w._("✅ All set! Your profile is saved."))
    return ConversationHandler.END


async def repeat_step(update: Update, context: InterHubContext) -> int | None:
    """Asks again for a button when the person typed instead of choosing."""
    w = await who(update, context)
    state = await _current_state(update, context)
    markups = {
        LANGUAGE: keyboards.language_picker("lang", w.lang),
        CONSENT: keyboards.consent(w._),
        INVITATIONS: keyboards.invitations(w._),
        COUNTRY: keyboards.country_picker(w._),
        SECTOR: keyboards.sector_picker(w._),
    }
    markup = markups.get(state) if isinstance(state, int) else None
    await reply(context, w, w._("Please choose one of the buttons 👇 (or /cancel)."), markup)
    return None


async def cancel(update: Update, context: InterHubContext) -> int:
    """Stops onboarding; the person can /start again at any time."""
    w = await who(update, context)
    _user_data(context).pop(_PENDING_LINK, None)
    await show_menu(context, w, w._("Setup stopped. You can /start again at any time."))
    return ConversationHandler.END


async def _finish(context: InterHubContext, w: Who, lead: str) -> None:
    await show_menu(context, w, lead)
    pending = _user_data(context).pop(_PENDING_LINK, None)
    if isinstance(pending, dict):
        await open_deep_link(context, w, DeepLink(kind=pending["kind"], ref=pending["ref"]))


def _user_data(context: InterHubContext) -> dict[str, Any]:
    assert context.user_data is not None, "private-chat updates always have a user"
    return context.user_data


async def _current_state(update: Update, context: InterHubContext) -> object | None:
    persistence = context.application.persistence
    if persistence is None or update.effective_chat is None or update.effective_user is None:
        return None
    assert isinstance(persistence, SqlPersistence)
    return await persistence.get_conversation_state(
        CONVERSATION_NAME, (update.effective_chat.id, update.effective_user.id)
    )


def build() -> ConversationHandler[InterHubContext]:
    """Wire the onboarding states; every state has /cancel and a reply to stray text."""
    private = filters.ChatType.PRIVATE
    stray: BaseHandler[Update, InterHubContext, object] = MessageHandler(
        private & ~filters.COMMAND, repeat_step
    )
    with warnings.catch_warnings():
        # Buttons are answered per chat and user, which is what we want; PTB warns about tracking per message.
        warnings.filterwarnings("ignore", message=".*per_message.*", category=PTBUserWarning)
        return ConversationHandler(
            entry_points=[CommandHandler("start", start, filters=private)],
            states={
                LANGUAGE: [CallbackQueryHandler(language_chosen, pattern=callbacks.LANG), stray],
                CONSENT: [
                    CallbackQueryHandler(consent_given, pattern=callbacks.CONSENT_YES),
                    CallbackQueryHandler(consent_declined, pattern=callbacks.CONSENT_NO),
                    stray,
                ],
                INVITATIONS: [CallbackQueryHandler(invitations_chosen, pattern=callbacks.INVITE), stray],
                COUNTRY: [CallbackQueryHandler(country_chosen, pattern=callbacks.COUNTRY), stray],
                SECTOR: [CallbackQueryHandler(sector_chosen, pattern=callbacks.SECTOR), stray],
            },
            fallbacks=[CommandHandler("cancel", cancel), CommandHandler("start", start, filters=private)],
            name=CONVERSATION_NAME,
            persistent=True,
            allow_reentry=True,
        )


#: ``/start`` is served by the conversation itself, so the command carries no callback of its own.
FEATURE = Feature(
    name="onboarding",
    handlers=lambda: [build()],
    commands=(Command("start", N_("Start or restart InterHub"), start, served_by_handlers=True),),
)
