"""The real knowledge base passes every rule of ``interhub kb check``, coverage included."""

from __future__ import annotations

from knowledge.checker import check_articles
from knowledge.loader import CONTENT_DIR, load_articles
from knowledge.models import Severity
from knowledge.stats import coverage_stats


def test_the_curated_content_has_no_errors() -> None:
    errors = [str(p) for p in check_articles(CONTENT_DIR) if p.severity is Severity.ERROR]

    assert errors == []


def test_the_coverage_target_is_met() -> None:
    stats = coverage_stats(load_articles(CONTENT_DIR))

    assert stats["articles"] >= 100
    for country in ("IT", "DE", "SI", "HR", "HU"):
        cells = stats["by_country_topic"][country]
        assert min(cells[topic] for topic in ("legislation", "finance", "marketing", "hr")) >= 5, country
        assert cells["support"] == 1, country
    assert set(stats["languages"]) == {"en", "it", "de", "sl", "hr", "hu"}
