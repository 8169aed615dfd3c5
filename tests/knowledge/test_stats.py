"""The coverage matrix behind ``kb stats``."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from knowledge.cli import main
from knowledge.loader import load_articles
from knowledge.models import ALL_COUNTRIES, ALL_TOPICS
from knowledge.stats import coverage_stats, render_matrix

LANGUAGES = {"en": 2, "it": 2, "de": 2, "sl": 2, "hr": 2, "hu": 2}


def test_coverage_stats_counts_articles_per_country_topic_and_language(fixtures: Path, today: date) -> None:
    stats = coverage_stats(load_articles(fixtures / "valid"), today=today)

    assert stats["articles"] == 2
    assert stats["by_country_topic"]["IT"] == {
        "legislation": 0,
        "finance": 1,
        "marketing": 0,
        "hr": 0,
        "support": 0,
    }
    assert stats["by_country_topic"]["DE"]["hr"] == 1
    assert list(stats["by_country_topic"]) == list(ALL_COUNTRIES)
    assert sum(sum(topics.values()) for topics in stats["by_country_topic"].values()) == 2
    assert stats["by_country_topic_language"]["IT"]["finance"] == {lang: 1 for lang in LANGUAGES}
    assert stats["languages"] == LANGUAGES
    assert stats["stale"] == 0


def test_coverage_stats_counts_missing_languages_and_stale_articles(fixtures: Path, today: date) -> None:
    articles = load_articles(fixtures / "empty_language") + load_articles(fixtures / "stale")

    stats = coverage_stats(articles, today=today)

    assert stats["languages"] == {**LANGUAGES, "hu": 1}
    assert stats["by_country_topic_language"]["IT"]["finance"]["hu"] == 1
    assert stats["stale"] == 1


def test_render_matrix_marks_cells_below_target(fixtures: Path, today: date) -> None:
    text = render_matrix(coverage_stats(load_articles(fixtures / "valid"), today=today))

    rows = text.splitlines()
    assert rows[0].split() == list(ALL_TOPICS)
    assert rows[1].split() == ["IT", "0*", "1*", "0*", "0*", "0*"]
    assert rows[6].split() == ["EU", "0", "0", "0", "0", "0"]
    assert "articles: 2, past review_by: 0" in rows


def test_kb_stats_json_has_the_documented_shape(fixtures: Path, capsys: pytest.CaptureFixture[str]) -> None:
    exit_code = main(["stats", "--json", "--root", str(fixtures / "valid")])

    stats = json.loads(capsys.readouterr().out)
    assert exit_code == 0
    assert (stats["articles"], stats["by_country_topic"]["DE"]["hr"], stats["languages"]) == (2, 1, LANGUAGES)


def test_kb_stats_text_mentions_files_that_did_not_load(
    fixtures: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exit_code = main(["stats", "--root", str(fixtures / "yaml_syntax")])

    assert exit_code == 0
    assert capsys.readouterr().out.splitlines()[-1] == "1 files could not be loaded: run kb check"
