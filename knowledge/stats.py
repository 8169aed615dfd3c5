"""Coverage of the knowledge base: how many articles per country, topic and language."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TypedDict

from knowledge.models import ALL_COUNTRIES, ALL_TOPICS, CURATED_LANGUAGES, MIN_PER_TOPIC, TOPICS, Article


class CoverageStats(TypedDict):
    """The JSON shape of ``kb stats --json``."""

    articles: int
    by_country_topic: dict[str, dict[str, int]]
    by_country_topic_language: dict[str, dict[str, dict[str, int]]]
    languages: dict[str, int]
    stale: int


def coverage_stats(articles: Sequence[Article], *, today: date | None = None) -> CoverageStats:
    """Count articles per country × topic (× language) and those past their ``review_by`` date."""
    today = today or date.today()
    by_language = {
        country: {topic: dict.fromkeys(CURATED_LANGUAGES, 0) for topic in ALL_TOPICS}
        for country in ALL_COUNTRIES
    }
    by_topic = {country: dict.fromkeys(ALL_TOPICS, 0) for country in ALL_COUNTRIES}
    languages = dict.fromkeys(CURATED_LANGUAGES, 0)
    for article in articles:
        by_topic[article.country][article.topic] += 1
        for lang in article.translations:
            by_language[article.country][article.topic][lang] += 1
            languages[lang] += 1
    return {
        "articles": len(articles),
        "by_country_topic": by_topic,
        "by_country_topic_language": by_language,
        "languages": languages,
        "stale": sum(article.review_by <= today for article in articles),
    }


def render_matrix(stats: CoverageStats) -> str:
    """Render the country × topic matrix as plain text; ``*`` marks a cell below its target."""
    width = max(len(topic) for topic in ALL_TOPICS) + 2
    lines = ["".ljust(4) + "".join(topic.rjust(width) for topic in ALL_TOPICS)]
    for country, counts in stats["by_country_topic"].items():
        cells = [_cell(country, topic, counts[topic]).rjust(width) for topic in ALL_TOPICS]
        lines.append(country.ljust(4) + "".join(cells))
    languages = ", ".join(f"{lang} {count}" for lang, count in stats["languages"].items())
    lines += [
        "",
        f"articles: {stats['articles']}, past review_by: {stats['stale']}",
        f"languages: {languages}",
        f"* below target: {MIN_PER_TOPIC} per main topic and exactly 1 support article per country",
    ]
    return "\n".join(lines)


def _cell(country: str, topic: str, count: int) -> str:
    if country == "EU":
        short = False
    elif topic in TOPICS:
        short = count < MIN_PER_TOPIC
    else:
        short = count != 1
    return f"{count}{'*' if short else ' '}"
