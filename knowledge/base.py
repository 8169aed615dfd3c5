"""The loaded knowledge base: articles, their indexes, calibrated thresholds, and retrieval."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from knowledge.loader import CONTENT_DIR, load_articles
from knowledge.models import COUNTRIES, CURATED_LANGUAGES, Article
from knowledge.search import Hit, LexicalIndex, Scope
from knowledge.semantic import Encoder, SemanticIndex
from knowledge.tokenize import tokenize
from nlu.training_data import load_training_data

CALIBRATION_FILE = Path(__file__).resolve().parent / "calibration.json"
#: BM25 scores are mapped to 0..1 with this scale before the threshold applies.
LEXICAL_SCALE = 4.0
#: For languages without curated text, local terms ("partita iva", "minijob") still count: the embedding
#: score gets this share of the best BM25 match in any curated language (0.2 chosen on the question set:
#: top-1 0.54 → 0.70 for ar, zh, uk, tr, es, fr).
LEXICAL_MIX = 0.2


@dataclass(frozen=True)
class Retrieval:
    """Articles found for a question, the confidence in the best one, and how they were found."""

    hits: tuple[Hit, ...]
    confidence: float
    method: str  # "lexical" or "semantic"


@dataclass(frozen=True)
class Thresholds:
    """Minimum confidence to give an article as the answer, per retrieval method."""

    lexical: float = 0.5
    semantic: float = 0.45

    @classmethod
    def load(cls, path: Path = CALIBRATION_FILE) -> Thresholds:
        """Read the calibrated thresholds (defaults when the file is absent)."""
        if not path.exists():
            return cls()
        data = json.loads(path.read_text())
        return cls(lexical=float(data["lexical"]["threshold"]), semantic=float(data["semantic"]["threshold"]))

    def for_method(self, method: str) -> float:
        """The threshold of one method."""
        return self.lexical if method == "lexical" else self.semantic


def place_tokens() -> frozenset[str]:
    """Search tokens of country and city names: the country filter handles them, so BM25 ignores them
    (otherwise "Budapest" in a question pulls up every article that mentions Budapest)."""
    data = load_training_data()
    names = [surface for surface, value in data.synonyms.items() if value in COUNTRIES]
    return frozenset(token for name in names for token in tokenize(name, "en"))


class KnowledgeBase:
    """Everything needed to find and show articles; built once per process."""

    def __init__(
        self,
        articles: list[Article],
        thresholds: Thresholds | None = None,
        places: frozenset[str] = frozenset(),
    ) -> None:
        self.articles = articles
        self.by_id = {article.id: article for article in articles}
        self.lexical = LexicalIndex(articles, ignore=places)
        self.encoder = Encoder()
        self._semantic: SemanticIndex | None = None
        self.thresholds = thresholds or Thresholds.load()

    @classmethod
    def load(cls, root: Path = CONTENT_DIR) -> KnowledgeBase:
        """Load and index the curated articles."""
        return cls(load_articles(root), places=place_tokens())

    @property
    def semantic(self) -> SemanticIndex:
        """The embedding index, built on first use."""
        if self._semantic is None:
            self._semantic = SemanticIndex(self.articles, self.encoder)
        return self._semantic

    def warm_up(self) -> None:
        """Load the sentence encoder and the article vectors now rather than on the first question."""
        self.semantic.encoder.encode(["warm-up"])

    def _any_language_lexical(self, query: str) -> NDArray[np.float64]:
        best: NDArray[np.float64] = np.max(
            [self.lexical.scores(query, lang) for lang in CURATED_LANGUAGES], axis=0
        )
        top = float(best.max())
        return best / top if top > 0 else best

    def retrieve(self, query: str, lang: str, scope: Scope, limit: int = 3) -> Retrieval:
        """Find articles: BM25 in the six curated languages, embeddings for the others."""
        if lang in CURATED_LANGUAGES:
            hits = self.lexical.search(query, lang, scope, limit)
            confidence = 1 - math.exp(-hits[0].score / LEXICAL_SCALE) if hits else 0.0
            return Retrieval(tuple(hits), confidence, "lexical")
        scores = (
            self.semantic.scores(query) + LEXICAL_MIX * self._any_language_lexical(query)
        ) * self.lexical.weights(scope)
        order = scores.argsort()[::-1][:limit]
        hits = [Hit(self.articles[i], float(scores[i])) for i in order if scores[i] > 0]
        return Retrieval(tuple(hits), hits[0].score if hits else 0.0, "semantic")
