"""Answer a question: understand it, find the article, compose the reply in the person's language.

The bot, the console and ``interhub ask`` all call ``Answerer.ask``; nothing here knows Telegram.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from actions.translation import TranslationClient, TranslationUnavailable
from core.i18n import N_, SUPPORTED_LANGUAGES, Translate, translator
from knowledge import answers
from knowledge.base import KnowledgeBase, Retrieval
from knowledge.models import CURATED_LANGUAGES, Article
from knowledge.search import Scope
from knowledge.semantic import body_lines
from nlu.backend import FALLBACK_INTENT, NluBackend, Parse
from nlu.language import decide
from nlu.language_model import trained

QUESTION_INTENTS = frozenset({"ask_question", FALLBACK_INTENT})
#: Below this NLU confidence, another intent is checked against the knowledge base before it is acted on.
TRUSTED_INTENT = 0.6
#: The same for "out of scope", whose refusal hides every article: below it the articles are searched, and the
#: ranker weighs the NLU's out-of-scope probability against them (its "none of them" option). Blind
#: calibration half, after 300 near-domain out-of-scope examples (driving licence, a company in Dubai…)
#: joined the NLU data: at 0.6 other-language top-3 fell to 0.79 (real questions refused); 0.8 → 0.88,
#: 0.9 → 0.92, 0.97 → 0.94 with the same out-of-scope answers (0 curated, 1 other) and equal utility.
TRUSTED_OUT_OF_SCOPE = 0.9
#: Intents answered by a fixed text only: when guessed weakly and the knowledge base is not sure either,
#: the likely articles are offered ("not sure, maybe one of these") rather than that text, as for the
#: fallback intent ("p.iva costi?" was read as a weak "help").
SUGGEST_WHEN_WEAK = frozenset({"help", "out_of_scope"})
#: Intents acting on the person's data or settings whose words ("rate", "my data", "delete", "language")
#: also occur in knowledge questions ("which vat rate do I charge"): when the message names a topic of the
#: knowledge base (VAT, permit, staff…), their guess is checked against the articles like a weak one.
#: Events, mentoring and "talk to a coach" are left out: "a mentor for marketing" names a topic by nature.
DOUBTED_WITH_TOPIC = frozenset({"privacy_mydata", "privacy_forget", "give_feedback", "change_language"})

INTENT_REPLIES = {
    "greet": N_("👋 Hello! Ask me anything about permits, taxes, marketing or staff for your business."),
    "goodbye": N_("👋 Goodbye, and good luck with your business! Write again any time."),
    "thanks": N_("You're welcome! 😊 Anything else?"),
    "help": N_('Just type your question in your own words, for example: "How do I register my business?"'),
    "out_of_scope": N_(
        "I can only help with starting and running a business: permits, registration, taxes, credit, "
        "marketing and staff. Please ask me about one of these."
    ),
    "change_language": N_("🌐 Please choose your language:"),
    "talk_to_human": N_("🙋 A coach can help you. Tap the button to send your question to our coaches."),
    "privacy_mydata": N_("📄 Download my data"),
    "privacy_forget": N_("🗑️ Delete everything InterHub stores about you? This cannot be undone."),
}


#: Below this confidence (the first article's probability) "not sure" offers no articles: they are almost
#: surely not the answer ("asdkj qwe", "where can I rent a flat"). Calibration halves: the 5 unsure replies
#: below 0.02 were all out of scope or gaps; below 0.05, 11 of 12.
SUGGESTION_FLOOR = 0.02

#: Asked first when the country is unknown and the two likeliest articles are from different countries.
WHICH_COUNTRY = N_("For which country? Rules differ from one country to another.")


@dataclass(frozen=True)
class ArticleRef:
    """An article offered to the person, with its title in their language."""

    id: str
    title: str
    score: float


@dataclass(frozen=True)
class AskResult:
    """Everything the bot (or the CLI) needs to reply to one message."""

    text: str
    language: str
    intent: str
    confidence: float
    answered: bool
    kind: str  # "answer", "unsure", "clarify" (which country?), "intent"
    answer: str
    articles: tuple[ArticleRef, ...] = ()
    sources: tuple[tuple[str, str], ...] = ()
    machine_translated: bool = False
    country: str | None = None
    topic: str | None = None
    suggest_language: str | None = None
    parse: Parse | None = field(default=None, compare=False)
    retrieval: Retrieval | None = field(default=None, compare=False, repr=False)

    def as_json(self, item_id: object = None) -> dict[str, Any]:
        """The one-shot interface's JSON line."""
        return {
            "id": item_id,
            "language": self.language,
            "intent": self.intent,
            "confidence": round(self.confidence, 4),
            "answered": self.answered,
            "articles": [{"id": a.id, "title": a.title, "score": round(a.score, 4)} for a in self.articles],
            "answer": self.answer,
            "sources": [{"title": title, "url": url} for title, url in self.sources],
            "machine_translated": self.machine_translated,
            "country": self.country,
        }


class Answerer:
    """Understands a message and finds and composes the answer."""

    def __init__(self, kb: KnowledgeBase, nlu: NluBackend, translations: TranslationClient) -> None:
        self.kb = kb
        self.nlu = nlu
        self.translations = translations

    def warm_up(self) -> None:
        """Load the encoders, the article vectors and the language model now, not on the first question."""
        self.kb.warm_up()
        trained()

    def language_of(self, text: str, preferred: str, country: str | None = None) -> str:
        """The message's language when clearly detected, else the person's chosen one."""
        lang = decide(text, preferred, country)
        return lang if lang in SUPPORTED_LANGUAGES else preferred

    async def ask(
        self,
        text: str,
        *,
        preferred_language: str,
        country: str | None,
        sector: str | None = None,
        today: date | None = None,
    ) -> AskResult:
        """Answer one message as the bot would."""
        today = today or date.today()
        lang = self.language_of(text, preferred_language, country)
        _ = translator(lang)
        parse = await self.nlu.parse(text)
        named = asked_countries(parse.entity_values("country"), country)
        named_country = named[0] if named else None
        topic = next(iter(parse.entity_values("topic")), None)
        base = AskResult(
            text=text,
            language=lang,
            intent=parse.intent,
            confidence=parse.confidence,
            answered=False,
            kind="intent",
            answer="",
            country=named_country or country,
            topic=topic,
            suggest_language=lang if lang != preferred_language else None,
            parse=parse,
        )
        scope = Scope(
            country=named_country or country,
            also=named[1:],
            topics=tuple(parse.entity_values("topic")),
            sectors=tuple(parse.entity_values("sector")) or ((sector,) if sector else ()),
        )
        out_of_scope = dict(parse.ranking).get("out_of_scope", 0.0)
        found = None
        if parse.intent not in QUESTION_INTENTS:
            trusted = TRUSTED_OUT_OF_SCOPE if parse.intent == "out_of_scope" else TRUSTED_INTENT
            if parse.confidence < trusted or (parse.intent in DOUBTED_WITH_TOPIC and topic):
                found = self.kb.retrieve(text, lang, scope, out_of_scope=out_of_scope)
            suggest = found is not None and bool(found.hits) and parse.intent in SUGGEST_WHEN_WEAK
            if (found is None or not self._confident(found)) and not suggest:
                reply_text = INTENT_REPLIES.get(parse.intent)  # features (events…) answer the others
                return replace(base, answer=_(reply_text) if reply_text else "")
            # a weak intent guess loses to a confident article match (and a weak "help" or "out of
            # scope" guess to the likely articles, offered as when unsure)
            base = replace(base, intent="ask_question")
        found = found or self.kb.retrieve(text, lang, scope, out_of_scope=out_of_scope)
        refs = tuple(
            [ArticleRef(h.article.id, await self.title(h.article, lang), h.score) for h in found.hits]
        )
        if scope.country is None and depends_on_country(found):
            return replace(
                base,
                confidence=found.confidence,
                kind="clarify",
                answer=_(WHICH_COUNTRY),
                articles=refs,
                retrieval=found,
            )
        if not self._confident(found):
            refs = refs if found.confidence >= SUGGESTION_FLOOR else ()
            return replace(
                base,
                confidence=found.confidence,
                kind="unsure",
                answer=self._unsure(refs, _),
                articles=refs,
                retrieval=found,
            )
        best = found.hits[0].article
        localised = await self.localise(best, lang, self.kb.passage(best, text, lang, found.vector))
        return replace(
            base,
            confidence=found.confidence,
            answered=True,
            kind="answer",
            answer=answers.card(best, localised, _, today),
            articles=refs,
            sources=tuple((s.title, s.url) for s in best.sources),
            machine_translated=localised.machine_translated,
            retrieval=found,
        )

    def _confident(self, found: Retrieval) -> bool:
        return bool(found.hits) and found.confidence >= self.kb.thresholds.for_method(found.method)

    def _unsure(self, refs: tuple[ArticleRef, ...], _: Translate) -> str:
        lines = [_("🤔 I'm not sure I understood your question.")]
        if refs:
            lines.append(_("Maybe one of these helps:"))
            lines += [f"• {html.escape(ref.title, quote=False)}" for ref in refs]
        lines.append(_("Or send your question to a coach, who will answer you personally."))
        return "\n".join(lines)

    async def title(self, article: Article, lang: str) -> str:
        """An article's title in a language (translated when needed, English if that fails)."""
        if lang in CURATED_LANGUAGES:
            return article.text(lang).title
        try:
            return await self.translations.translate(article.text("en").title, "en", lang, public=True)
        except TranslationUnavailable:
            return article.text("en").title

    async def localise(self, article: Article, lang: str, lines: tuple[int, ...] = ()) -> answers.Localised:
        """The article in a language (curated, machine-translated, or English with a note), with the body
        lines ``lines`` as the passage that answers the question."""
        if lang in CURATED_LANGUAGES:
            t = article.text(lang)
            passage = _pick(t.body, lines)
            return answers.Localised(t.title, t.summary, t.body, lang, passage=passage)
        english = article.text("en")
        passage = _pick(english.body, lines)
        try:
            title, summary, body, picked = [
                await self.translations.translate(part, "en", lang, public=True) if part else part
                for part in (english.title, english.summary, english.body, "\n".join(passage))
            ]
        except TranslationUnavailable:
            return answers.Localised(
                english.title, english.summary, english.body, "en", english_fallback=True, passage=passage
            )
        return answers.Localised(
            title, summary, body, lang, machine_translated=True, passage=tuple(picked.splitlines())
        )


def depends_on_country(found: Retrieval) -> bool:
    """Whether the two likeliest articles are national rules of two different countries ("how much is the
    minimum wage" without a country): then the answer depends on where, and guessing would mislead."""
    countries = [hit.article.country for hit in found.hits[:2]]
    return len(countries) == 2 and "EU" not in countries and countries[0] != countries[1]


def asked_countries(named: list[str], profile: str | None) -> tuple[str, ...]:
    """The countries a question is about, most likely first. "We live in Croatia but want to sell at a
    fair in Budapest" is about Hungary: when several are named, the profile's country is where the person
    is, not what they ask about, so it drops out (unless it is the only one)."""
    if len(named) > 1:
        return tuple(c for c in named if c != profile) or tuple(named)
    return tuple(named)


def _pick(body: str, lines: tuple[int, ...]) -> tuple[str, ...]:
    text = body_lines(body)
    return tuple(text[n] for n in lines if n < len(text))
