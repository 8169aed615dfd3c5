"""Demo questions as ``answer_text`` logs them, with 👍/👎 votes and tickets handed over to the coaches.

Articles are the real knowledge-base articles of the person's country (or EU); answered questions carry a
retrieval confidence above the calibrated threshold of their method, unanswered ones below it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from actions.seed_activity_base import COUNTRY_ACTIVITY, Demo, Person
from knowledge.base import Thresholds
from knowledge.models import CURATED_LANGUAGES, Article

#: What people's messages are understood as (``nlu_fallback`` is still searched in the knowledge base).
INTENTS = {
    "ask_question": 80,
    "nlu_fallback": 6,
    "greet": 4,
    "thanks": 3,
    "out_of_scope": 2,
    "help": 1,
    "list_events": 2,
    "talk_to_human": 1.5,
    "request_mentoring": 0.5,
}
QUESTION_INTENTS = ("ask_question", "nlu_fallback")
#: Topic mix by sector ("support": the articles about where to get help, no NLU topic of their own).
TOPICS: dict[str, dict[str, float]] = {
    "fashion": {"legislation": 33, "finance": 22, "marketing": 32, "hr": 8, "support": 5},
    "design": {"legislation": 28, "finance": 30, "marketing": 30, "hr": 7, "support": 5},
    "food": {"legislation": 45, "finance": 22, "marketing": 13, "hr": 15, "support": 5},
    "other": {"legislation": 35, "finance": 28, "marketing": 17, "hr": 14, "support": 6},
}
#: Median hours until a coach answers a ticket, per country.
ANSWER_HOURS = {"IT": 8.0, "DE": 5.0, "SI": 12.0, "HR": 14.0, "HU": 20.0}
#: The generic answer stored for demo tickets (no real coach text).
DEMO_ANSWER = "Demo answer from a coach."


@dataclass
class Library:
    """The real articles by country and topic, each with a popularity and a (demo) helpfulness."""

    articles: list[Article]
    thresholds: Thresholds
    by_place: dict[tuple[str, str], list[Article]] = field(default_factory=dict)
    weight: dict[str, float] = field(default_factory=dict)
    quality: dict[str, float] = field(default_factory=dict)

    @classmethod
    def build(cls, demo: Demo, articles: list[Article], thresholds: Thresholds) -> Library:
        """Index the articles; popularity falls off with a random rank (a few articles get most questions)."""
        library = cls(sorted(articles, key=lambda a: a.id), thresholds)
        grouped: dict[tuple[str, str], list[Article]] = defaultdict(list)
        for article in library.articles:
            grouped[(article.country, article.topic)].append(article)
        for group in grouped.values():
            demo.rng.shuffle(group)
            for rank, article in enumerate(group):
                library.weight[article.id] = 1 / (rank + 1) ** 0.9
        for article in library.articles:
            library.quality[article.id] = demo.rng.choice((0.45, 0.7, 0.8, 0.85, 0.85, 0.9, 0.92, 0.95))
        library.by_place = dict(grouped)
        return library

    def article(self, demo: Demo, country: str, topic: str, sector: str) -> Article:
        """A likely article for a question about ``topic`` in ``country`` (EU articles less often)."""
        found = [(a, 1.0) for a in self.by_place.get((country, topic), [])]
        found += [(a, 0.35) for a in self.by_place.get(("EU", topic), [])]
        if not found:
            found = [(a, 1.0) for a in self.by_place.get((country, "legislation"), [])]
        weights = [
            w * self.weight[a.id] * (2.0 if sector in a.sectors or "all" in a.sectors else 1.0)
            for a, w in found
        ]
        return demo.rng.choices([a for a, _ in found], weights)[0]

    def threshold(self, language: str) -> float:
        """The answer threshold of the retrieval method used for a language."""
        return self.thresholds.for_method("curated" if language in CURATED_LANGUAGES else "other")


@dataclass
class Conversations:
    """What the questions leave behind besides the message log."""

    votes: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    tickets: list[dict[str, Any]] = field(default_factory=list)


def question_times(demo: Demo, person: Person) -> list[datetime]:
    """When the person writes: soon after joining, then spread over an active spell of a few weeks."""
    if person.consent == "none":
        return []
    mean = 5.8 * COUNTRY_ACTIVITY[person.home]
    count = min(1 + int(demo.rng.expovariate(1 / mean)), 40)
    spell = timedelta(days=demo.rng.expovariate(1 / 30))
    times = [person.joined + timedelta(minutes=demo.rng.randrange(1, 15))]
    for _ in range(count - 1):
        moment = person.joined + demo.rng.random() * spell
        times.append(demo.daytime(demo.weekday_biased(moment, timedelta(days=2)), after=person.joined))
    return sorted(t for t in times if t < demo.now)


def converse(demo: Demo, library: Library, person: Person, talk: Conversations) -> None:
    """Every message the person sends, the bot's replies, their votes and tickets."""
    last: dict[str, Any] | None = None
    for at in question_times(demo, person):
        intent = demo.pick(INTENTS)
        if intent in QUESTION_INTENTS:
            last = _question(demo, library, person, talk, at, intent)
            continue
        confidence = round(demo.rng.uniform(0.62, 0.99), 4)  # the NLU's, for an intent it trusts
        demo.log(person, at, "in", intent, country=person.country, confidence=confidence, answered=False)
        demo.log(person, at + timedelta(seconds=1), "out", intent)
        if intent == "talk_to_human" and last is not None and demo.chance(0.6):
            _ticket(demo, person, talk, at + timedelta(seconds=demo.rng.randrange(5, 90)), last)
            last = None


def _question(
    demo: Demo, library: Library, person: Person, talk: Conversations, at: datetime, intent: str
) -> dict[str, Any]:
    topic = demo.pick(TOPICS[person.trade])
    article = library.article(demo, person.home, topic, person.trade)
    language = person.language
    if language not in CURATED_LANGUAGES and demo.chance(0.04):  # written in the country's language
        language = {"IT": "it", "DE": "de", "SI": "sl", "HR": "hr", "HU": "hu"}[person.home]
    threshold = library.threshold(language)
    progress = (at - demo.start) / (demo.now - demo.start)  # the knowledge base grew over the months
    odds = (0.8 if language in CURATED_LANGUAGES else 0.66) + 0.08 * progress
    answered = demo.chance(odds * (0.45 if intent == "nlu_fallback" else 1.0))
    if answered:
        # a probability: above the threshold, below 1
        confidence = threshold + (1 - threshold) * (1 - math.exp(-demo.rng.gammavariate(2.0, 0.5)))
    else:
        confidence = threshold * demo.rng.uniform(0.3, 0.98)
    named = person.country or (person.home if demo.chance(0.35) else None)
    heard = article.topic if answered else topic
    heard_topic = heard if heard != "support" and demo.chance(0.75) else None  # the NLU's topic entity
    text = None
    if answered and person.has_consent and language in article.translations:
        text = demo.choice(article.text(language).questions)[:200]
    demo.log(
        person,
        at,
        "in",
        intent,
        language=language,
        text=text,
        country=named,
        topic=heard_topic,
        article_id=article.id if answered else None,
        answered=answered,
        confidence=round(confidence, 4),
    )
    question = {"text": text, "language": language, "country": named, "topic": heard_topic}
    replied = at + timedelta(seconds=demo.rng.randrange(1, 4))
    if language != person.language:
        demo.log(person, replied, "out", None)  # "You wrote in …. Shall I switch to it?"
    if not answered:
        demo.log(person, replied, "out", "unsure")
        if demo.chance(0.25):
            demo.log(person, replied + timedelta(seconds=20), "out", "answer")  # a suggested article
        elif demo.chance(0.22):
            _ticket(demo, person, talk, replied + timedelta(seconds=demo.rng.randrange(10, 120)), question)
        return question
    person.answered += 1
    demo.log(person, replied, "out", "answer")
    later = replied + timedelta(seconds=demo.rng.randrange(15, 240))
    if demo.chance(0.22):
        demo.log(person, later, "out", "article_more")
    if demo.chance(0.08):
        demo.log(person, later + timedelta(seconds=30), "out", "article_sources")
    if person.answered >= 3 and person.invited_at is None and demo.chance(0.7):
        person.invited_at = replied + timedelta(seconds=2)
        demo.log(person, person.invited_at, "out", "survey_invite")
    if demo.chance(0.34):
        _vote(demo, library, person, talk, article, language, text, later, question)
    return question


def _vote(
    demo: Demo,
    library: Library,
    person: Person,
    talk: Conversations,
    article: Article,
    language: str,
    text: str | None,
    at: datetime,
    question: dict[str, Any],
) -> None:
    helpful = library.quality[article.id] * (0.82 + 0.25 * person.mood)
    if language not in CURATED_LANGUAGES:
        helpful *= 0.88  # machine-translated answers help a little less
    vote = 1 if demo.chance(min(helpful, 0.97)) else -1
    talk.votes[(person.pseudonym, article.id)] = {  # a new vote replaces the old one
        "pseudonym": person.pseudonym,
        "article_id": article.id,
        "language": language,
        "vote": vote,
        "question": text,
        "created_at": at,
    }
    person.seen.append(at)
    if vote < 0:
        demo.log(person, at + timedelta(seconds=1), "out", None)  # "Sorry this did not help. …"
        if demo.chance(0.3):
            _ticket(demo, person, talk, at + timedelta(seconds=demo.rng.randrange(5, 60)), question)


def _ticket(demo: Demo, person: Person, talk: Conversations, at: datetime, question: dict[str, Any]) -> None:
    """Opened by "Ask a coach"; answered hours or days later, or still open."""
    demo.log(person, at, "out", "handover")
    country = question["country"] or person.home
    hours = math.exp(demo.rng.gauss(math.log(ANSWER_HOURS[country]), 0.9))
    answered_at = at + timedelta(hours=min(max(hours, 0.3), 6 * 24))
    answered = answered_at < demo.now and demo.chance(0.93)
    talk.tickets.append(
        {
            "pseudonym": person.pseudonym,
            "question": question["text"],
            "language": question["language"],
            "country": question["country"],
            "topic": question["topic"],
            "status": ("closed" if demo.chance(0.2) else "answered") if answered else "open",
            "coach_message_id": None,
            "answer": DEMO_ANSWER if answered else None,
            "created_at": at,
            "answered_at": answered_at if answered else None,
        }
    )
