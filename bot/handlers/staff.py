"""Staff administration in Telegram (admins): ``/grant``, ``/revoke``, ``/staff``; the polite refusal.

Roles are checked again in ``actions.roles``: these handlers only turn the outcome into a reply.
"""

from __future__ import annotations

from telegram import Update

from actions.models import STAFF_ROLES
from actions.roles import Grant, NotAllowed, parse_countries
from bot.context import InterHubContext
from bot.features import Command, Feature
from bot.messaging import esc
from core.i18n import resolve_language, translator

USAGE = "Usage: /grant TELEGRAM_ID coach|partner|admin [IT,DE] · /revoke TELEGRAM_ID ROLE · /staff"


async def refuse(update: Update, context: InterHubContext) -> None:
    """Tells someone without the role, in their language, that the command is for staff; nothing happens."""
    user, message = update.effective_user, update.effective_message
    if user is None or message is None:
        return
    profile = await context.services.users.find(user.id)
    lang = resolve_language(profile.language if profile else None, user.language_code, "en")
    _ = translator(lang)
    await message.reply_text(_("Sorry, this command is only for the InterHub team."))


def describe(grant: Grant) -> str:
    """One line per grant, for staff."""
    scope = ",".join(sorted(grant.countries)) or "all countries"
    return f"{grant.telegram_id} ({grant.pseudonym}): {grant.role}, {scope}"


async def grant_command(update: Update, context: InterHubContext) -> None:
    """``/grant TELEGRAM_ID ROLE [COUNTRIES]`` (admins)."""
    await _change(update, context, grant=True)


async def revoke_command(update: Update, context: InterHubContext) -> None:
    """``/revoke TELEGRAM_ID ROLE`` (admins)."""
    await _change(update, context, grant=False)


async def _change(update: Update, context: InterHubContext, *, grant: bool) -> None:
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    args = context.args or []
    if not await context.services.roles.allows(user.id, "roles.manage"):
        await refuse(update, context)
        return
    if len(args) not in ((2, 3) if grant else (2,)) or not args[0].isdigit() or args[1] not in STAFF_ROLES:
        await message.reply_text(USAGE)
        return
    target, role = int(args[0]), args[1]
    try:
        if grant:
            countries = parse_countries(args[2] if len(args) == 3 else None)
            done = await context.services.roles.grant(target, role, countries, actor=user.id)
            await message.reply_text(f"✅ {esc(describe(done))}")
        else:
            removed = await context.services.roles.revoke(target, role, actor=user.id)
            await message.reply_text(
                f"✅ {target}: {role} removed." if removed else f"{target} is not {role}."
            )
    except NotAllowed:
        await refuse(update, context)
    except ValueError as problem:
        await message.reply_text(esc(str(problem)))


async def staff_command(update: Update, context: InterHubContext) -> None:
    """``/staff``: every staff member and their scope (admins)."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    try:
        grants = await context.services.roles.list(actor=user.id)
    except NotAllowed:
        await refuse(update, context)
        return
    await message.reply_text("\n".join(esc(describe(g)) for g in grants) or "No staff yet.")


FEATURE = Feature(
    name="staff",
    commands=(
        Command("grant", "Give a staff role: /grant TELEGRAM_ID ROLE [IT,DE]", grant_command, staff=True),
        Command("revoke", "Take a staff role away: /revoke TELEGRAM_ID ROLE", revoke_command, staff=True),
        Command("staff", "List the staff and their countries", staff_command, staff=True),
    ),
)
