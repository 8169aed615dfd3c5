"""Search the curated articles: BM25 per curated language, with country filtering and entity boosts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import bm25s
import numpy as np
from numpy.typing import NDArray

from knowledge.models import CURATED_LANGUAGES, Article
from knowledge.tokenize import tokenize

#: How much each field counts: repeated fields weigh more in BM25.
FIELD_WEIGHTS = {"title": 3, "keywords": 2, "questions": 1, "summary": 1, "body": 1}
TOPIC_BOOST = 1.25
SECTOR_BOOST = 1.1
EU_WEIGHT = 0.9


@dataclass(frozen=True)
class Hit:
    """One article found for a query, with its score."""

    article: Article
    score: float


@dataclass(frozen=True)
class Scope:
    """What narrows the search: the country in question (and any other the question names), and
    topic/sector hints from the message."""

    country: str | None = None
    also: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()


def article_text(article: Article, lang: str) -> str:
    """The searchable text of one language version, with fields repeated by weight."""
    t = article.text(lang)
    parts = {
        "title": t.title,
        "keywords": " ".join(t.keywords),
        "questions": " ".join(t.questions),
        "summary": t.summary,
        "body": t.body,
    }
    return " ".join(" ".join([text] * FIELD_WEIGHTS[name]) for name, text in parts.items())


class LexicalIndex:
    """One BM25 index per curated language over the same article order."""

    def __init__(self, articles: Sequence[Article], ignore: frozenset[str] = frozenset()) -> None:
        self.articles = list(articles)
        self.ignore = ignore
        self._indexes: dict[str, bm25s.BM25] = {}
        for lang in CURATED_LANGUAGES:
            index = bm25s.BM25()
            index.index(
                [self._tokens(article_text(a, lang), lang) for a in self.articles], show_progress=False
            )
            self._indexes[lang] = index
        self._countries = np.array([a.country for a in self.articles])
        self._topics = np.array([a.topic for a in self.articles])
        self._sectors: defaultdict[str, list[int]] = defaultdict(list)
        for i, article in enumerate(self.articles):
            for sector in set(article.sectors):
                self._sectors[sector].append(i)

    def _tokens(self, text: str, lang: str) -> list[str]:
        return [token for token in tokenize(text, lang) if token not in self.ignore]

    def scores(self, query: str, lang: str) -> NDArray[np.float64]:
        """Raw BM25 scores of every article for a query in a curated language."""
        tokens = self._tokens(query, lang)
        if not tokens:
            return np.zeros(len(self.articles))
        return np.asarray(self._indexes[lang].get_scores(tokens), dtype=np.float64)

    def weights(self, scope: Scope) -> NDArray[np.float64]:
        """Per-article multipliers: other countries out, EU slightly below, matching topic/sector up."""
        weights = np.ones(len(self.articles))
        if scope.country:
            allowed = [scope.country, *scope.also, "EU"]
            weights[~np.isin(self._countries, allowed)] = 0.0
            weights[self._countries == "EU"] = EU_WEIGHT
        for topic in scope.topics:
            weights[self._topics == topic] *= TOPIC_BOOST
        if scope.sectors:
            matching = sorted({i for sector in scope.sectors for i in self._sectors.get(sector, ())})
            weights[matching] *= SECTOR_BOOST
        return weights

    def search(self, query: str, lang: str, scope: Scope, limit: int = 5) -> list[Hit]:
        """The best articles for a query, best first."""
        scores = self.scores(query, lang) * self.weights(scope)
        order = np.argsort(-scores)[:limit]
        return [Hit(self.articles[i], float(scores[i])) for i in order if scores[i] > 0]
