"""The loaded knowledge base: articles, their indexes, calibrated thresholds, and retrieval."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from threadpoolctl import threadpool_limits

from knowledge.answers import ADVICE_TOPICS
from knowledge.encoders import E5Encoder, UseEncoder
from knowledge.loader import CONTENT_DIR, load_articles
from knowledge.models import COUNTRIES, CURATED_LANGUAGES, Article
from knowledge.passages import select_lines
from knowledge.ranker import Evidence, Example, LinearRanker, features
from knowledge.search import Hit, LexicalIndex, Scope
from knowledge.semantic import SemanticIndex, e5_passages, use_passages
from knowledge.tokenize import tokenize
from nlu.training_data import load_training_data

#: Chinese and Japanese script: names are matched inside words there.
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
CALIBRATION_FILE = Path(__file__).resolve().parent / "calibration.json"
#: Retrieval methods: questions in a curated language, and the others.
METHODS = ("curated", "other")


@dataclass(frozen=True)
class Retrieval:
    """Articles found for a question, the confidence in the best one, and how they were found."""

    hits: tuple[Hit, ...]
    confidence: float
    method: str  # "curated" (BM25 + e5 in the question's language) or "other" (USE + e5 + any BM25)
    vector: NDArray[np.float32] | None = field(default=None, compare=False, repr=False)
    #: What the ranker saw (features of every article, which were allowed): training reads it.
    example: Example | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Thresholds:
    """Minimum confidence (the best article's probability) to give it as the answer, per method."""

    curated: float = 0.5
    other: float = 0.5

    @classmethod
    def load(cls, path: Path = CALIBRATION_FILE) -> Thresholds:
        """Read the thresholds of the question set named by ``use`` (defaults when there are none)."""
        data = json.loads(path.read_text()) if path.exists() else {}
        chosen = data.get(data.get("use", ""))
        if not chosen:
            return cls()
        return cls(curated=float(chosen["curated"]["threshold"]), other=float(chosen["other"]["threshold"]))

    def for_method(self, method: str) -> float:
        """The threshold of one method."""
        return self.curated if method == "curated" else self.other


def load_rankers(path: Path = CALIBRATION_FILE) -> dict[str, LinearRanker]:
    """The trained rankers of the question set named by ``use`` (defaults when there are none)."""
    data = json.loads(path.read_text()) if path.exists() else {}
    chosen = data.get(data.get("use", ""), {})
    return {method: LinearRanker.from_json(chosen.get(method, {}).get("ranker")) for method in METHODS}


def place_names() -> re.Pattern[str]:
    """A pattern of every surface form of a country or city name (case-insensitive; whole words, except
    in scripts written without spaces)."""
    data = load_training_data()
    names = sorted(
        {surface for surface, value in data.synonyms.items() if value in COUNTRIES}, key=len, reverse=True
    )
    spaced = [re.escape(n) for n in names if not _UNSPACED.search(n)]
    unspaced = [re.escape(n) for n in names if _UNSPACED.search(n)]
    pattern = rf"(?<!\w)(?:{'|'.join(spaced)})(?!\w)"
    if unspaced:
        pattern += f"|{'|'.join(unspaced)}"
    return re.compile(pattern, re.IGNORECASE)


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
        names: re.Pattern[str] | None = None,
    ) -> None:
        self.articles = articles
        self.by_id = {article.id: article for article in articles}
        self._position = {article.id: i for i, article in enumerate(articles)}
        # One BLAS thread: a single question's matrix-vector products are small, and on two shared cores
        # a second OpenBLAS thread made them 3-4 times slower (6.6 → 23 ms for the e5 scores under load).
        threadpool_limits(1, user_api="blas")
        self.lexical = LexicalIndex(articles, ignore=places)
        self.use = UseEncoder()
        self.e5 = E5Encoder()
        self._vectors: tuple[SemanticIndex, SemanticIndex] | None = None
        self.thresholds = thresholds or Thresholds.load()
        self.rankers = load_rankers()
        self.place_names = names

    @classmethod
    def load(cls, root: Path = CONTENT_DIR) -> KnowledgeBase:
        """Load and index the curated articles."""
        return cls(load_articles(root), places=place_tokens(), names=place_names())

    @property
    def semantic(self) -> SemanticIndex:
        """The e5 index (built with the USE index on first use)."""
        return self._indexes()[1]

    def _indexes(self) -> tuple[SemanticIndex, SemanticIndex]:
        if self._vectors is None:
            self._vectors = (
                SemanticIndex(self.articles, self.use, use_passages),
                SemanticIndex(self.articles, self.e5, e5_passages),
            )
        return self._vectors

    def warm_up(self) -> None:
        """Load both encoders and the article vectors now rather than on the first question."""
        # USE first: loading it briefly holds its whole token table before the table is swapped for a file
        # read row by row, so the peak is lower while the e5 model and the vectors are not loaded yet.
        self.use.query("warm-up")
        self._indexes()
        self.e5.query("warm-up")

    def passage(
        self, article: Article, question: str, lang: str, vector: NDArray[np.float32] | None
    ) -> tuple[int, ...]:
        """The body lines (indexes) of an article that best answer the question, in the shown language."""
        shown = lang if lang in CURATED_LANGUAGES else "en"
        dense = self.semantic.line_scores(vector, self._position[article.id]) if vector is not None else []
        return select_lines(
            question, article.text(shown).body, shown, dense, skip_last=article.topic in ADVICE_TOPICS
        )

    def without_places(self, query: str) -> str:
        """The question without country and city names, for the encoders: the country filter handles them,
        and an encoder would otherwise match "the capital of Slovenia" with every Slovenian article."""
        if self.place_names is None:
            return query
        stripped = " ".join(self.place_names.sub(" ", query).split())
        return stripped if stripped else query

    def retrieve(
        self, query: str, lang: str, scope: Scope, limit: int = 3, out_of_scope: float = 0.0
    ) -> Retrieval:
        """Find articles: measure the evidence (BM25, e5, and USE without curated text), let the trained
        ranker turn it into each article's probability of being the answer, and return the likeliest.
        ``out_of_scope`` is the NLU's probability that the message is not a business question at all."""
        use_index, e5_index = self._indexes()
        # Without curated text the encoders carry the search, and a named place would dominate them; in a
        # curated language BM25 already ignores place names, and removing them from the e5 query as well
        # lowered top-1 (blind calibration half: other languages 0.753 → 0.805, curated 0.883 → 0.875).
        dense_query = query if lang in CURATED_LANGUAGES else self.without_places(query)
        vector = self.e5.query(dense_query)
        bm25 = {code: self.lexical.scores(query, code) for code in CURATED_LANGUAGES}
        lexical = np.max(list(bm25.values()), axis=0)
        similarities = e5_index.similarities(vector)
        e5_any = e5_index.best(similarities)
        if lang in CURATED_LANGUAGES:
            method = "curated"
            evidence = Evidence(
                bm25[lang],
                lexical,
                e5_index.best(similarities, (lang,)),
                e5_any,
                None,
                self.lexical.weights(scope),
            )
        else:
            method = "other"
            use = use_index.scores(self.use.query(dense_query))
            evidence = Evidence(lexical, lexical, e5_any, e5_any, use, self.lexical.weights(scope))
        matrix, allowed = features(evidence), evidence.weights > 0
        question = np.array([out_of_scope])
        probabilities = self.rankers[method].probabilities(matrix, allowed, question)
        order = probabilities.argsort()[::-1][:limit]
        hits = [Hit(self.articles[i], float(probabilities[i])) for i in order if allowed[i]]
        confidence = hits[0].score if hits else 0.0
        example = Example(matrix, allowed, np.zeros(len(self.articles), dtype=bool), question)
        return Retrieval(tuple(hits), confidence, method, vector, example)
