"""The topic browser: the main menu's Legislation, Finance, Marketing and HR buttons list the articles of
the person's country (and the EU-wide ones) as buttons that open the article card."""

from __future__ import annotations

import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from actions.models import COUNTRIES
from bot import keyboards
from bot.context import InterHubContext, Who, who
from bot.features import Feature, MenuEntry
from bot.replies import reply
from core.i18n import N_

TOPICS = {
    "legislation": N_("⚖️ Legislation"),
    "finance": N_("💶 Finance"),
    "marketing": N_("📣 Marketing"),
    "hr": N_("👥 HR"),
}
#: ``topic:<topic>:<country>``: a browse for a country the person picked just now (not stored).
BROWSE = re.compile(rf"^topic:({'|'.join(TOPICS)}):({'|'.join(COUNTRIES)})$")


async def browse(context: InterHubContext, w: Who, topic: str, country: str | None) -> None:
    """List the topic's articles for a country, or first ask which country."""
    answerer = context.services.answerer
    if answerer is None:
        await reply(context, w, w._("Just type your question in your own words."), w.main_menu())
        return
    if country is None:
        await reply(
            context,
            w,
            w._("For which country? Rules differ from one country to another."),
            keyboards.country_picker(w._, f"topic:{topic}"),
            intent=f"topic_{topic}",
        )
        return
    articles = sorted(
        (a for a in answerer.kb.articles if a.topic == topic and a.country in (country, "EU")),
        key=lambda a: (a.country == "EU", a.text(w.lang).title if w.lang in a.translations else a.id),
    )
    rows = [
        [
            InlineKeyboardButton(
                (await answerer.title(a, w.lang))[:60], callback_data=f"art:open:{w.lang}:{a.id}"
            )
        ]
        for a in articles
    ]
    rows.append([InlineKeyboardButton(w._("⬅️ Main menu"), callback_data="menu:home")])
    text = w._("{topic} · {country}: choose an article, or just type your question.").format(
        topic=w._(TOPICS[topic]), country=w._(keyboards.COUNTRY_NAMES[country])
    )
    await reply(context, w, text, InlineKeyboardMarkup(rows), intent=f"topic_{topic}")


async def browse_country(update: Update, context: InterHubContext) -> None:
    """A country picked for one browse."""
    query = update.callback_query
    assert query is not None
    match = BROWSE.match(query.data or "")
    assert match is not None
    await query.answer()
    await browse(context, await who(update, context), match.group(1), match.group(2))


def _opener(topic: str) -> MenuEntry:
    async def open_topic(context: InterHubContext, w: Who) -> None:
        await browse(context, w, topic, w.profile.country)

    return MenuEntry(topic, TOPICS[topic], open_topic)


async def open_by_link(context: InterHubContext, w: Who, ref: str | None) -> None:
    """``start=topic_finance`` opens that topic; an unknown topic shows the menu."""
    if ref in TOPICS:
        await browse(context, w, ref, w.profile.country)
    else:
        await reply(context, w, w._("This link is not valid any more. Here is the main menu."), w.main_menu())


def _handlers() -> list[BaseHandler[Update, InterHubContext, None]]:
    return [CallbackQueryHandler(browse_country, pattern=BROWSE)]


FEATURE = Feature(
    name="topics",
    handlers=_handlers,
    menu=tuple(_opener(topic) for topic in TOPICS),
    deep_links={"topic": open_by_link},
)
