"""Answer quality on the held-out test halves, through the bot's own answering path.

The rankers and thresholds in knowledge/calibration.json were trained and chosen on the calibration halves
only (`interhub kb calibrate --set blind`); these figures come from questions never used to choose anything.
The gates sit a few points below what was measured (README, "How questions are answered"): they catch a
regression, they do not claim the targets are met.
"""

from __future__ import annotations

import asyncio
import tempfile
from typing import Any

import pytest

from actions import quality
from actions.migrate import upgrade
from core.services import Services, attach_answerer
from core.settings import load_settings

#: Measured on the blind test half (see the README), minus a few points: curated top-1 0.840, top-3 0.943,
#: answers right 0.876 (82.9 % answered); other languages top-1 0.658, top-3 0.872; out of scope answered
#: 2 of 55 (the learned ranker, its "none" option weighing the NLU's out-of-scope probability).
BLIND_CURATED_TOP1, BLIND_CURATED_TOP3, BLIND_CURATED_PRECISION = 0.80, 0.91, 0.84
BLIND_CURATED_ANSWERED = 0.78
BLIND_OTHER_TOP1, BLIND_OTHER_TOP3 = 0.62, 0.84
BLIND_OUT_OF_SCOPE_ANSWERED = 3


def _measure(question_set: str) -> dict[str, Any]:
    """The quality report of a set's test half (the whole answering path, real NLU, real search)."""

    async def measure(url: str) -> dict[str, Any]:
        services = Services.from_url(url)
        try:
            answerer = attach_answerer(services, load_settings(database_url=url, _env_file=None))
            return quality.report(await quality.run(answerer, quality.load_questions("test", question_set)))
        finally:
            await services.db.dispose()

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/quality.db"
        upgrade(url)
        return asyncio.run(measure(url))


@pytest.fixture(scope="module")
def blind() -> dict[str, Any]:
    """The blind set's test half."""
    return _measure("blind")


@pytest.fixture(scope="module")
def figures() -> dict[str, Any]:
    """The development set's test half."""
    return _measure("retrieval")


def test_blind_curated_languages_find_the_right_article(blind: dict[str, Any]) -> None:
    curated = blind["curated"]

    assert curated["answerable"] >= 150
    assert curated["top1"] >= BLIND_CURATED_TOP1
    assert curated["top3"] >= BLIND_CURATED_TOP3
    assert curated["answered_correct"] >= BLIND_CURATED_PRECISION
    assert curated["answered"] >= BLIND_CURATED_ANSWERED


def test_blind_other_languages_find_the_article(blind: dict[str, Any]) -> None:
    other = blind["other"]

    assert other["answerable"] >= 100
    assert other["top1"] >= BLIND_OTHER_TOP1
    assert other["top3"] >= BLIND_OTHER_TOP3


def test_blind_out_of_scope_questions_rarely_get_an_answer(blind: dict[str, Any]) -> None:
    assert blind["all"]["out_of_scope"] >= 50
    assert blind["all"]["out_of_scope_answered"] <= BLIND_OUT_OF_SCOPE_ANSWERED


def test_a_new_person_s_language_is_recognised(blind: dict[str, Any]) -> None:
    low = {lang: blind[lang]["language"] for lang in ("sl", "hr", "hu") if blind[lang]["language"] < 0.93}
    assert (blind["all"]["language"] >= 0.96, low) == (True, {})


def test_curated_languages_find_the_right_article(figures: dict[str, Any]) -> None:
    curated = figures["curated"]

    assert curated["answerable"] >= 100
    assert curated["top1"] >= 0.90  # measured 0.937
    assert curated["top3"] >= 0.95  # measured 0.984


def test_out_of_scope_questions_get_no_answer(figures: dict[str, Any]) -> None:
    assert figures["all"]["out_of_scope"] >= 30
    # Two are answered (measured), both in languages without curated text: the ranker's "none" option
    # leans on the NLU's out-of-scope probability, which is weaker there (fewer examples).
    assert figures["all"]["out_of_scope_answered"] <= 3


def test_answers_given_are_mostly_right(figures: dict[str, Any]) -> None:
    # The learned ranker's probability separates right from wrong first articles better than the old
    # score-plus-margin: measured 0.960 answered (was 0.651), 0.942 of them right (was 0.915).
    assert figures["curated"]["answered_correct"] >= 0.91
    assert figures["curated"]["answered"] >= 0.92


def test_other_languages_find_the_article_among_the_suggestions(figures: dict[str, Any]) -> None:
    # ar, zh, uk, tr, es, fr have no curated text: USE and e5 embeddings against the curated texts.
    assert figures["other"]["top3"] >= 0.93  # measured 0.959
    assert figures["other"]["top1"] >= 0.84  # measured 0.878
