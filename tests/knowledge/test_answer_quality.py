"""Answer quality on the held-out test split of the question set, through the bot's own answering path.

The thresholds in knowledge/calibration.json were chosen on the calibration split only
(`interhub kb calibrate`); these figures come from questions never used to choose anything.
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


@pytest.fixture(scope="module")
def figures() -> dict[str, Any]:
    """The quality report of the test split (the whole answering path, real NLU, real search)."""

    async def measure(url: str) -> dict[str, Any]:
        services = Services.from_url(url)
        try:
            answerer = attach_answerer(services, load_settings(database_url=url, _env_file=None))
            return quality.report(await quality.run(answerer, quality.load_questions("test")))
        finally:
            await services.db.dispose()

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/quality.db"
        upgrade(url)
        return asyncio.run(measure(url))


def test_curated_languages_find_the_right_article(figures: dict[str, Any]) -> None:
    curated = figures["curated"]

    assert curated["answerable"] >= 100
    assert curated["top1"] >= 0.81
    assert curated["top3"] >= 0.93


def test_out_of_scope_questions_get_no_answer(figures: dict[str, Any]) -> None:
    assert figures["all"]["out_of_scope"] >= 30
    assert figures["all"]["out_of_scope_answered"] == 0


def test_answers_given_are_mostly_right(figures: dict[str, Any]) -> None:
    assert figures["curated"]["answered_correct"] >= 0.87
    assert figures["curated"]["answered"] >= 0.85


def test_other_languages_find_the_article_among_the_suggestions(figures: dict[str, Any]) -> None:
    # ar, zh, uk, tr, es, fr have no curated text: USE and e5 embeddings against the curated texts.
    assert figures["other"]["top3"] >= 0.88
    assert figures["other"]["top1"] >= 0.70
