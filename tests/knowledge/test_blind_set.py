"""The blind question set (``knowledge/evaluation/blind_questions.jsonl``) is well formed and fair.

It was written by someone who had not read the articles, from the users' situations, then labelled; see
``knowledge/evaluation/README.md``.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from core.i18n import SUPPORTED_LANGUAGES
from knowledge.loader import load_articles

BLIND = Path(__file__).parents[2] / "knowledge" / "evaluation" / "blind_questions.jsonl"
FIELDS = {"id", "q", "lang", "country", "persona", "need", "kind", "expected", "split"}


@pytest.fixture(scope="module")
def rows() -> list[dict[str, object]]:
    return [json.loads(line) for line in BLIND.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_every_line_is_a_labelled_record(rows: list[dict[str, object]]) -> None:
    problems = [row.get("id") for row in rows if set(row) != FIELDS]
    assert problems == []
    assert len({row["id"] for row in rows}) == len(rows) >= 500


def test_every_language_and_kind_is_there(rows: list[dict[str, object]]) -> None:
    languages = Counter(row["lang"] for row in rows)
    kinds = Counter(row["kind"] for row in rows)

    assert set(languages) == set(SUPPORTED_LANGUAGES)
    assert min(languages.values()) >= 30
    assert set(kinds) <= {"answerable", "gap", "out_of_scope"}
    assert 0.10 <= kinds["out_of_scope"] / len(rows) <= 0.20


def test_labels_are_consistent_and_point_at_real_articles(rows: list[dict[str, object]]) -> None:
    ids = {article.id for article in load_articles()}
    wrong = [
        row["id"]
        for row in rows
        if (row["kind"] == "answerable") != bool(row["expected"]) or not set(row["expected"]) <= ids  # type: ignore[arg-type]
    ]
    assert wrong == []


def test_calibration_and_test_halves_are_apart_in_every_language(rows: list[dict[str, object]]) -> None:
    for lang in SUPPORTED_LANGUAGES:
        split = Counter(row["split"] for row in rows if row["lang"] == lang)
        assert set(split) == {"calibration", "test"}
        assert 0.3 <= split["calibration"] / sum(split.values()) <= 0.5, lang
