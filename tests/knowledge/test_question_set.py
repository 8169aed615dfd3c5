"""The retrieval evaluation set ``knowledge/evaluation/retrieval_questions.jsonl`` is well formed and fair.

Every line is one question a user could type, the profile country, the article ids that answer it
(best first; ``[]`` when nothing in the knowledge base should answer) and the split it belongs to.
See ``knowledge/evaluation/README.md``.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from knowledge.loader import load_articles
from knowledge.models import ALL_TOPICS, COUNTRIES, CURATED_LANGUAGES, Article

QUESTIONS = Path(__file__).parents[2] / "knowledge" / "evaluation" / "retrieval_questions.jsonl"

OTHER_LANGUAGES = ("ar", "zh", "uk", "tr", "es", "fr")
LANGUAGES = (*CURATED_LANGUAGES, *OTHER_LANGUAGES)
FIELDS = {"id", "q", "lang", "country", "expected", "split", "kind"}
SPLITS = ("calibration", "test")
KINDS = ("answerable", "out_of_scope")

MIN_ANSWERABLE_CURATED = 25
MIN_ANSWERABLE_OTHER = 10
MIN_OUT_OF_SCOPE = 40
MIN_OUT_OF_SCOPE_LANGUAGES = 6
MIN_CROSS_COUNTRY = 8
CALIBRATION_SHARE = (0.35, 0.45)
CALIBRATION_SHARE_PER_LANGUAGE = (0.25, 0.55)

NEAR_DUPLICATE_JACCARD = 0.8
CONTAINMENT_MIN_WORDS = 4

_ID = re.compile(r"^q-(?P<lang>[a-z]{2})-\d{3}$")
_PUNCTUATION = re.compile(r"[^\w\s]|_")


def normalise(text: str) -> str:
    """Lowercase, strip accents and punctuation, collapse spaces: ``"Šta je PDV?!"`` -> ``"sta je pdv"``."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(_PUNCTUATION.sub(" ", stripped).split())


@dataclass(frozen=True)
class Normalised:
    """A normalised text with its words and token set, computed once."""

    text: str
    words: int
    tokens: frozenset[str]

    @classmethod
    def of(cls, raw: str) -> Normalised:
        text = normalise(raw)
        words = text.split()
        return cls(text, len(words), frozenset(words))


def near_duplicate(first: Normalised, second: Normalised) -> bool:
    """Token-set Jaccard >= 0.8, or one contains the other and both have >= 4 words."""
    if not first.tokens or not second.tokens:
        return False
    jaccard = len(first.tokens & second.tokens) / len(first.tokens | second.tokens)
    if jaccard >= NEAR_DUPLICATE_JACCARD:
        return True
    long_enough = min(first.words, second.words) >= CONTAINMENT_MIN_WORDS
    return long_enough and (first.text in second.text or second.text in first.text)


@cache
def questions() -> tuple[dict[str, Any], ...]:
    lines = QUESTIONS.read_text(encoding="utf-8").splitlines()
    return tuple(json.loads(line) for line in lines if line.strip())


@cache
def articles() -> dict[str, Article]:
    return {article.id: article for article in load_articles()}


def answerable() -> list[dict[str, Any]]:
    return [item for item in questions() if item["kind"] == "answerable"]


def test_normalise_and_near_duplicate_rule() -> None:
    assert normalise("  Mindestlohn 2026: WIE   hoch?! ") == "mindestlohn 2026 wie hoch"
    assert normalise("Šta je PDV, ÁFA i DDV?") == "sta je pdv afa i ddv"
    pairs = {
        ("what is KATA?", "kata, what is"): True,
        ("Do I need a permit", "tell me: do i need a permit for food"): True,
        ("kata", "what is kata"): False,
        ("minimum wage hungary 2026", "minimum wage croatia 2026 how much"): False,
    }
    for (first, second), expected in pairs.items():
        assert near_duplicate(Normalised.of(first), Normalised.of(second)) is expected, (first, second)


def test_every_line_is_a_valid_record() -> None:
    problems: list[str] = []
    for number, item in enumerate(questions(), start=1):
        where = f"line {number} ({item.get('id')})"
        if set(item) != FIELDS:
            problems.append(f"{where}: fields {sorted(item)}, want {sorted(FIELDS)}")
            continue
        match = _ID.match(item["id"]) if isinstance(item["id"], str) else None
        if match is None or match["lang"] != item["lang"]:
            problems.append(f"{where}: id must be q-<lang>-NNN with the question's language")
        if not isinstance(item["q"], str) or not item["q"].strip():
            problems.append(f"{where}: q must be non-empty text")
        if item["lang"] not in LANGUAGES:
            problems.append(f"{where}: lang {item['lang']!r} is not one of {LANGUAGES}")
        if item["country"] not in COUNTRIES:
            problems.append(f"{where}: country {item['country']!r} is not one of {COUNTRIES}")
        if item["split"] not in SPLITS:
            problems.append(f"{where}: split {item['split']!r} is not one of {SPLITS}")
        if item["kind"] not in KINDS:
            problems.append(f"{where}: kind {item['kind']!r} is not one of {KINDS}")
        expected = item["expected"]
        if not isinstance(expected, list) or not all(isinstance(x, str) for x in expected):
            problems.append(f"{where}: expected must be a list of article ids")
        elif len(set(expected)) != len(expected):
            problems.append(f"{where}: expected lists an id twice")
        elif (item["kind"] == "answerable") != bool(expected):
            problems.append(f"{where}: answerable questions need expected ids, out_of_scope ones none")
    assert problems == []


def test_ids_and_questions_are_unique() -> None:
    ids = Counter(item["id"] for item in questions())
    texts = Counter(normalise(item["q"]) for item in questions())

    assert [key for key, count in ids.items() if count > 1] == []
    assert [key for key, count in texts.items() if count > 1] == []


def test_every_expected_id_is_an_article() -> None:
    known = articles()
    missing = sorted({id_ for item in questions() for id_ in item["expected"] if id_ not in known})

    assert missing == []


def test_minimum_counts_per_language_and_kind() -> None:
    counts = Counter(item["lang"] for item in answerable())
    out_of_scope = [item for item in questions() if item["kind"] == "out_of_scope"]

    for lang in CURATED_LANGUAGES:
        assert counts[lang] >= MIN_ANSWERABLE_CURATED, lang
    for lang in OTHER_LANGUAGES:
        assert counts[lang] >= MIN_ANSWERABLE_OTHER, lang
    assert len(out_of_scope) >= MIN_OUT_OF_SCOPE
    assert len({item["lang"] for item in out_of_scope}) >= MIN_OUT_OF_SCOPE_LANGUAGES


def test_answers_spread_over_countries_topics_and_support() -> None:
    known = articles()
    curated = [item for item in answerable() if item["lang"] in CURATED_LANGUAGES]
    expected = {id_ for item in curated for id_ in item["expected"]}

    assert {known[id_].country for id_ in expected} == {*COUNTRIES, "EU"}
    assert {known[id_].topic for id_ in expected} == set(ALL_TOPICS)
    supports = {id_ for id_, article in known.items() if article.topic == "support"}
    assert supports <= expected
    for lang in CURATED_LANGUAGES:
        ids = {id_ for item in curated if item["lang"] == lang for id_ in item["expected"]}
        assert {known[id_].topic for id_ in ids} >= {"legislation", "finance", "marketing", "hr"}, lang
        assert {known[id_].country for id_ in ids} >= set(COUNTRIES), lang


def test_some_questions_ask_about_another_country_than_the_profile() -> None:
    known = articles()
    cross = [
        item
        for item in answerable()
        if not any(known[id_].country in (item["country"], "EU") for id_ in item["expected"])
    ]

    assert len(cross) >= MIN_CROSS_COUNTRY


def test_split_is_about_forty_sixty_in_every_language_and_kind() -> None:
    items = questions()
    low, high = CALIBRATION_SHARE
    share = sum(item["split"] == "calibration" for item in items) / len(items)
    assert low <= share <= high

    low, high = CALIBRATION_SHARE_PER_LANGUAGE
    for lang in LANGUAGES:
        group = [item for item in items if item["lang"] == lang]
        share = sum(item["split"] == "calibration" for item in group) / len(group)
        assert low <= share <= high, lang
    for kind in KINDS:
        group = [item for item in items if item["kind"] == kind]
        share = sum(item["split"] == "calibration" for item in group) / len(group)
        assert low <= share <= high, kind


def test_no_question_copies_an_article_question_or_title() -> None:
    article_texts = {
        Normalised.of(text)
        for article in articles().values()
        for translation in article.translations.values()
        for text in (translation.title, *translation.questions)
    }
    copies: list[tuple[str, str, str]] = []
    for item in questions():
        question = Normalised.of(item["q"])
        copies.extend(
            (item["id"], item["q"], text.text) for text in article_texts if near_duplicate(question, text)
        )

    assert copies == []
