"""Free-text questions: understand, answer from the knowledge base, and the answer's buttons.

When the country is unknown and the likely articles are from different countries, the bot asks which
country first and answers the same question from the reply (questions.mmd).
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler

from actions.ask import AskResult
from bot import callbacks, keyboards
from bot.context import InterHubContext, Who, who
from bot.features import Feature
from bot.handlers.common import show_menu
from bot.handlers.survey_invite import maybe_invite
from bot.replies import reply
from core.i18n import LANGUAGE_NAMES, Translate, translator
from knowledge import answers

log = logging.getLogger(__name__)
LAST_QUESTION = "last_question"
#: Last questions of people without consent: kept in this process only, never written anywhere.
_UNSTORED_LIMIT = 1000


def remember_question(context: InterHubContext, w: Who, question: dict[str, Any]) -> None:
    """Keep the last question for "Ask a coach": in the stored user data only under consent."""
    if w.profile.has_consent:
        assert context.user_data is not None
        context.user_data[LAST_QUESTION] = question
        return
    unstored = _unstored(context)
    unstored.pop(w.telegram_id, None)
    unstored[w.telegram_id] = question
    while len(unstored) > _UNSTORED_LIMIT:
        unstored.pop(next(iter(unstored)))


def last_question(context: InterHubContext, w: Who, *, pop: bool = False) -> dict[str, Any] | None:
    """The question "Ask a coach" or a vote refers to, wherever it was kept."""
    assert context.user_data is not None
    stored = context.user_data.pop(LAST_QUESTION, None) if pop else context.user_data.get(LAST_QUESTION)
    unstored = _unstored(context)
    memory = unstored.pop(w.telegram_id, None) if pop else unstored.get(w.telegram_id)
    found = memory or stored
    return found if isinstance(found, dict) else None


def _unstored(context: InterHubContext) -> dict[int, dict[str, Any]]:
    app = context.application
    store: dict[int, dict[str, Any]] | None = getattr(app, "_unstored_questions", None)
    if store is None:
        store = {}
        setattr(app, "_unstored_questions", store)  # noqa: B010  (per-process, deliberately not persisted)
    return store


def answer_keyboard(_: Translate, article_id: str, lang: str) -> InlineKeyboardMarkup:
    """More · Sources / 👍 · 👎 / Ask a coach."""
    data = f"{lang}:{article_id}"
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(_("📖 More"), callback_data=f"art:more:{data}"),
                InlineKeyboardButton(_("🔗 Sources"), callback_data=f"art:src:{data}"),
            ],
            [
                InlineKeyboardButton("👍", callback_data=f"art:up:{data}"),
                InlineKeyboardButton("👎", callback_data=f"art:down:{data}"),
            ],
            [InlineKeyboardButton(_("🙋 Ask a coach"), callback_data="coach:ask")],
        ]
    )


def unsure_keyboard(_: Translate, result: AskResult) -> InlineKeyboardMarkup:
    """Up to three likely articles, then the coach."""
    rows = [
        [InlineKeyboardButton(ref.title[:60], callback_data=f"art:open:{result.language}:{ref.id}")]
        for ref in result.articles[:3]
    ]
    rows.append([InlineKeyboardButton(_("🙋 Ask a coach"), callback_data="coach:ask")])
    return InlineKeyboardMarkup(rows)


async def answer_text(context: InterHubContext, w: Who, text: str, country: str | None = None) -> None:
    """Understands a question and replies: an article, an honest "not sure", "for which country?", or the
    intent's action. ``country`` is the one just picked for this question (else the profile's)."""
    answerer = context.services.answerer
    if answerer is None:
        await show_menu(context, w)
        return
    result = await answerer.ask(
        text, preferred_language=w.lang, country=country or w.profile.country, sector=w.profile.sector
    )
    await context.services.log.record(
        w.telegram_id,
        direction="in",
        language=result.language,
        intent=result.intent,
        text=text,
        country=result.country,
        topic=result.topic,
        article_id=result.articles[0].id if result.answered else None,
        answered=result.answered,
        confidence=result.confidence,
    )
    log.info(
        "question: intent=%s answered=%s confidence=%.2f", result.intent, result.answered, result.confidence
    )
    _ = translator(result.language)
    if result.kind in ("answer", "unsure", "clarify"):
        remember_question(
            context,
            w,
            {"text": text, "language": result.language, "country": result.country, "topic": result.topic},
        )
    if result.kind == "answer":
        markup = answer_keyboard(_, result.articles[0].id, result.language)
        await reply(context, w, result.answer, markup, intent="answer")
        await maybe_invite(context, w)
    elif result.kind == "unsure":
        await reply(context, w, result.answer, unsure_keyboard(_, result), intent="unsure")
    elif result.kind == "clarify":
        markup = keyboards.country_picker(_, "askc")
        await reply(context, w, result.answer, markup, intent="clarify_country")
    else:
        await _intent_reply(context, w, result)
    if result.suggest_language:
        await _offer_switch(context, w, result.suggest_language)


async def _intent_reply(context: InterHubContext, w: Who, result: AskResult) -> None:
    answer = context.features.intents.get(result.intent)
    if answer is not None:
        await answer(context, w, result)
    else:
        await reply(context, w, result.answer, intent=result.intent)


async def _offer_switch(context: InterHubContext, w: Who, lang: str) -> None:
    _ = translator(lang)
    markup = InlineKeyboardMarkup(
        [[InlineKeyboardButton(f"🌐 {LANGUAGE_NAMES[lang]}", callback_data=f"setlang:{lang}")]]
    )
    await reply(
        context,
        w,
        _("You wrote in {language}. Shall I switch to it?").format(language=LANGUAGE_NAMES[lang]),
        markup,
    )


async def article_button(update: Update, context: InterHubContext) -> None:
    """More, Sources, 👍, 👎 and suggested articles."""
    query = update.callback_query
    assert query is not None
    match = callbacks.ARTICLE.match(query.data or "")
    answerer = context.services.answerer
    w = await who(update, context)
    article = answerer.kb.by_id.get(match.group(3)) if match and answerer else None
    if match is None or answerer is None or article is None:
        await query.answer(w._("This button is no longer valid. Please use /menu."), show_alert=True)
        return
    action, lang = match.group(1), match.group(2)
    _ = translator(lang)
    if action in ("up", "down"):
        last = last_question(context, w) or {}
        await context.services.feedback.vote(
            w.telegram_id,
            article.id,
            language=lang,
            vote=1 if action == "up" else -1,
            question=last.get("text") if w.profile.has_consent else None,
        )
        await query.answer(_("Thank you for your feedback!"))
        if action == "down":
            markup = InlineKeyboardMarkup(
                [[InlineKeyboardButton(_("🙋 Ask a coach"), callback_data="coach:ask")]]
            )
            await reply(context, w, _("Sorry this did not help. A coach can answer you personally."), markup)
        return
    await query.answer()
    localised = await answerer.localise(article, lang)
    if action == "more":
        await reply(context, w, answers.full_text(article, localised, _, date.today()), intent="article_more")
    elif action == "src":
        await reply(context, w, answers.sources_text(article, _), intent="article_sources")
    else:
        await reply(
            context,
            w,
            answers.card(article, localised, _, date.today()),
            answer_keyboard(_, article.id, lang),
            intent="answer",
        )


async def country_button(update: Update, context: InterHubContext) -> None:
    """The reply to "For which country?": answer the question asked just before for that country."""
    query = update.callback_query
    assert query is not None
    w = await who(update, context)
    question = last_question(context, w)
    if question is None or not isinstance(question.get("text"), str):
        await query.answer(w._("This button is no longer valid. Please use /menu."), show_alert=True)
        return
    await query.answer()
    await answer_text(context, w, question["text"], country=callbacks.value_of(query.data))


FEATURE = Feature(
    name="questions",
    handlers=lambda: [
        CallbackQueryHandler(article_button, pattern=callbacks.ARTICLE),
        CallbackQueryHandler(country_button, pattern=callbacks.ASK_COUNTRY),
    ],
)
