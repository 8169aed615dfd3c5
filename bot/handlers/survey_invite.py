"""The gentle invitation to the evaluation, after someone has had several answers (once per 30 days)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.context import InterHubContext, Who
from bot.replies import reply

EVALUATION = "evaluation"


async def maybe_invite(context: InterHubContext, w: Who) -> None:
    """Invite to the evaluation when the rules allow it (see ``SurveyService.should_invite``)."""
    surveys = context.services.surveys
    if not await surveys.should_invite(w.profile.pseudonym, EVALUATION):
        return
    await surveys.mark_invited(w.profile.pseudonym, EVALUATION)
    markup = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(w._("📝 Yes, I will help"), callback_data=f"sv:go:{EVALUATION}")],
            [InlineKeyboardButton(w._("Not now"), callback_data="sv:later")],
        ]
    )
    text = w._(
        "🙏 You have used InterHub a few times now. Would you help us improve it with a short "
        "anonymous questionnaire (3–4 minutes)?"
    )
    await reply(context, w, text, markup, intent="survey_invite")
