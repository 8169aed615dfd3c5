"""Features announced but not built yet: one declaration each, one "coming soon" text.

When a feature is built, its module replaces its line in ``bot.app.FEATURES``.
"""

from __future__ import annotations

from actions.ask import AskResult
from bot.context import InterHubContext, Who
from bot.features import Feature, MenuEntry
from bot.replies import reply
from core.i18n import N_


def planned(
    name: str, label: str, text: str, *, intents: tuple[str, ...] = (), deep_links: tuple[str, ...] = ()
) -> Feature:
    """A feature whose menu entry, intents and deep links all say it is coming soon."""

    async def announce(context: InterHubContext, w: Who) -> None:
        await reply(
            context, w, w._(text) + "\n\n" + w._("Meanwhile, the main menu:"), w.main_menu(), intent=name
        )

    async def by_intent(context: InterHubContext, w: Who, result: AskResult) -> None:
        await announce(context, w)

    async def by_link(context: InterHubContext, w: Who, ref: str | None) -> None:
        await announce(context, w)

    return Feature(
        name=name,
        menu=(MenuEntry(name, label, announce),),
        intents=dict.fromkeys(intents, by_intent),
        deep_links=dict.fromkeys(deep_links, by_link),
    )


MENTORING = planned(
    "mentoring",
    N_("🤝 Mentoring"),
    N_("🤝 Mentoring: matching with a mentor is coming soon."),
    intents=("request_mentoring",),
    deep_links=("mentoring",),
)
