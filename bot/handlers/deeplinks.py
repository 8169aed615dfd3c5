"""Open what a ``/start <payload>`` link points to, through the feature that serves its kind."""

from __future__ import annotations

from actions.deeplinks import DeepLink
from bot.context import InterHubContext, Who
from bot.replies import reply


async def open_deep_link(context: InterHubContext, w: Who, link: DeepLink) -> None:
    """Route a parsed deep link; a kind no feature serves gets the menu and a polite line."""
    opener = context.features.deep_links.get(link.kind)
    if opener is None:
        text = w._("This link is not valid any more. Here is the main menu.")
        await reply(context, w, text, w.main_menu(), intent=f"deeplink_{link.kind}")
        return
    await opener(context, w, link.ref)
