"""Handlers that run before the features: idempotency and state shared between workers."""

from __future__ import annotations

import logging
from typing import Any

from telegram import ChatMember, Update
from telegram.constants import ChatType
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    ChatMemberHandler,
    ConversationHandler,
    TypeHandler,
)

from actions.users import Profile
from bot.context import InterHubContext, who
from bot.features import Feature
from bot.persistence import SqlPersistence

log = logging.getLogger(__name__)

#: Handler groups: lower runs first.
GROUP_CLAIM, GROUP_SYNC, GROUP_MAIN = -2, -1, 0


async def claim_update(update: Update, context: InterHubContext) -> None:
    """Stops a re-delivered update: each ``update_id`` is handled once, across processes."""
    if not await context.services.ledger.claim(update.update_id):
        log.info("duplicate update %d ignored", update.update_id)
        raise ApplicationHandlerStop
    user, chat = update.effective_user, update.effective_chat
    if user is None:
        return
    profile: Profile | None
    if chat is not None and chat.type == ChatType.PRIVATE:
        profile = (await who(update, context)).profile  # loaded once here, reused by every handler
    else:
        profile = await context.services.users.find(user.id)
    if profile is not None and profile.blocked:
        raise ApplicationHandlerStop
    if profile is not None and not profile.reachable and update.my_chat_member is None:
        await context.services.users.set_reachable(user.id, True)  # they wrote to us again


async def sync_conversations(update: Update, context: InterHubContext) -> None:
    """Re-reads this update's conversation states, which another worker may have changed."""
    persistence = context.application.persistence
    if (
        not isinstance(persistence, SqlPersistence)
        or update.effective_user is None
        or update.effective_chat is None
    ):
        return
    for handler in context.application.handlers.get(GROUP_MAIN, []):
        if isinstance(handler, ConversationHandler) and handler.persistent and handler.name:
            key = (update.effective_chat.id, update.effective_user.id)
            state = await persistence.get_conversation_state(handler.name, key)
            conversations: Any = handler._conversations  # PTB keeps no public hook for this refresh
            if state is None:
                conversations.pop(key, None)
            else:
                conversations.update_no_track({key: state})


def before() -> dict[int, BaseHandler[Update, InterHubContext, None]]:
    """Handlers for the groups that run before the features."""
    return {
        GROUP_CLAIM: TypeHandler(Update, claim_update),
        GROUP_SYNC: TypeHandler(Update, sync_conversations),
    }


async def reachability(update: Update, context: InterHubContext) -> None:
    """Marks a person unreachable when they block the bot, and reachable again when they unblock it."""
    change = update.my_chat_member
    if change is None or change.chat.type != ChatType.PRIVATE:
        return
    status = change.new_chat_member.status
    if status in (ChatMember.BANNED, ChatMember.LEFT):
        await context.services.users.set_reachable(change.from_user.id, False)
        log.info("a person blocked the bot")
    elif status == ChatMember.MEMBER:
        await context.services.users.set_reachable(change.from_user.id, True)


FEATURE = Feature(
    name="reachability",
    handlers=lambda: [ChatMemberHandler(reachability, ChatMemberHandler.MY_CHAT_MEMBER)],
)
