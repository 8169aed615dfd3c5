"""Open what a ``/start <payload>`` link points to."""

from __future__ import annotations

from actions.deeplinks import DeepLink
from bot.context import InterHubContext, Who
from bot.keyboards import main_menu
from bot.replies import reply


async def open_deep_link(context: InterHubContext, w: Who, link: DeepLink) -> None:
    """Route a parsed deep link; features not built yet say so politely."""
    _ = w._
    if link.kind == "event":
        text = _(
            "📅 This link is for event #{number}. Event registration is coming soon to InterHub."
        ).format(number=link.ref)
    elif link.kind == "mentoring":
        text = _("🤝 Mentoring is coming soon to InterHub.")
    elif link.kind == "feedback":
        text = _("⭐ The feedback questionnaire is coming soon to InterHub.")
    else:
        text = _("This link is not valid any more. Here is the main menu.")
    await reply(context, w, text, main_menu(_), intent=f"deeplink_{link.kind}")
