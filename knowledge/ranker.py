"""The learned ranking: evidence per article → a score, and the chance that the best article is the answer.

One linear scorer per retrieval method ("curated", "other") over a few evidence features: BM25 in the
question's language and in any curated language, e5 and USE similarities, their ranks, and the
country/topic/sector weight of the scope. It is trained listwise with a "none of them" option: the softmax
over the allowed articles plus that option gives each article its probability of being the answer, and the
best article's probability is the confidence. An out-of-scope question is trained to pick "none", so the
option's score is the bar an article must clear. ``interhub kb calibrate`` trains it in seconds (numpy,
Adam) from the labelled question sets; the weights live in ``knowledge/calibration.json``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

#: BM25 scores are mapped to 0..1 with this scale.
LEXICAL_SCALE = 4.0
#: e5 cosine similarities below this floor carry no evidence; above it they are scaled to 0..1.
DENSE_FLOOR = 0.8
#: Ranks enter as 1 / (RANK_OFFSET + rank), as in reciprocal rank fusion.
RANK_OFFSET = 10
FEATURES = (
    "bm25_language",  # BM25 in the question's language (any curated language for the others), 0..1
    "bm25_any",  # best BM25 over the six curated languages, 0..1: local terms ("partita iva", "minijob")
    "bm25_relative",  # BM25 in the question's language over the best article's
    "e5_language",  # e5 similarity above the floor, with texts in the question's language
    "e5_any",  # the same with texts in every curated language
    "e5_cosine",  # the raw e5 cosine similarity
    "use",  # USE similarity (languages without curated text only; 0 otherwise)
    "rank_bm25",
    "rank_e5",
    "rank_use",
    "log_weight",  # log of the scope's multiplier: EU articles a little below, matching topic/sector above
)
#: Evidence about the question as a whole, which raises or lowers the "none of them" option.
QUESTION_FEATURES = ("nlu_out_of_scope",)  # the NLU's probability that the message is out of scope
#: Weights before any training (roughly the hand-made formula this replaced); training overwrites them.
DEFAULT_WEIGHTS = (3.0, 1.0, 1.0, 2.0, 1.0, 0.0, 2.0, 0.0, 0.0, 0.0, 1.0)
DEFAULT_NONE = 6.0
DEFAULT_NONE_WEIGHTS = (2.0,)


@dataclass(frozen=True)
class Evidence:
    """Raw per-article evidence for one question, as retrieval measures it (arrays over all articles)."""

    bm25_language: NDArray[np.float64]
    bm25_any: NDArray[np.float64]
    e5_language: NDArray[np.float64]
    e5_any: NDArray[np.float64]
    use: NDArray[np.float64] | None
    weights: NDArray[np.float64]  # the scope's multipliers; 0 = not allowed (another country)


def _ranks(values: NDArray[np.float64]) -> NDArray[np.float64]:
    order = np.argsort(-values, kind="stable")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(1, len(values) + 1)
    return 1.0 / (RANK_OFFSET + ranks)


def features(evidence: Evidence) -> NDArray[np.float64]:
    """The feature matrix (articles × FEATURES) of one question."""
    e = evidence
    top = float(e.bm25_language.max()) if len(e.bm25_language) else 0.0
    use = e.use if e.use is not None else np.zeros(len(e.weights))
    columns = [
        1 - np.exp(-e.bm25_language / LEXICAL_SCALE),
        1 - np.exp(-e.bm25_any / LEXICAL_SCALE),
        e.bm25_language / top if top > 0 else np.zeros(len(e.weights)),
        np.maximum(0.0, e.e5_language - DENSE_FLOOR) / (1 - DENSE_FLOOR),
        np.maximum(0.0, e.e5_any - DENSE_FLOOR) / (1 - DENSE_FLOOR),
        e.e5_language,
        use,
        _ranks(e.bm25_language),
        _ranks(e.e5_language),
        _ranks(use) if e.use is not None else np.zeros(len(e.weights)),
        np.log(np.maximum(e.weights, 1e-9)).clip(-5, 1),
    ]
    return np.stack(columns, axis=1)


@dataclass(frozen=True)
class LinearRanker:
    """Scores = features · weights; "none" = its score + question features · its weights; probabilities =
    softmax over the allowed articles and "none"."""

    weights: tuple[float, ...] = DEFAULT_WEIGHTS
    none: float = DEFAULT_NONE
    none_weights: tuple[float, ...] = DEFAULT_NONE_WEIGHTS

    def probabilities(
        self, matrix: NDArray[np.float64], allowed: NDArray[np.bool_], question: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        """Each article's probability of being the answer (0 where not allowed); the rest is "none"."""
        scores = np.where(allowed, matrix @ np.asarray(self.weights), -np.inf)
        none = self.none + float(question @ np.asarray(self.none_weights))
        top = max(float(scores.max()) if allowed.any() else -np.inf, none)
        exp = np.exp(scores - top)
        probabilities: NDArray[np.float64] = exp / (exp.sum() + np.exp(none - top))
        return probabilities

    def as_json(self) -> dict[str, object]:
        """The weights by feature name, the "none" score and its question weights."""
        return {
            "weights": dict(zip(FEATURES, (round(w, 4) for w in self.weights), strict=True)),
            "none": round(self.none, 4),
            "none_weights": dict(
                zip(QUESTION_FEATURES, (round(w, 4) for w in self.none_weights), strict=True)
            ),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object] | None) -> LinearRanker:
        """Read ``as_json`` output; the defaults when it is missing or names other features."""
        if not data:
            return cls()
        weights, none_weights = data.get("weights"), data.get("none_weights")
        if not isinstance(weights, dict) or not isinstance(none_weights, dict):
            return cls()
        if set(weights) != set(FEATURES) or set(none_weights) != set(QUESTION_FEATURES):
            return cls()
        return cls(
            tuple(float(weights[name]) for name in FEATURES),
            float(str(data["none"])),
            tuple(float(none_weights[name]) for name in QUESTION_FEATURES),
        )


@dataclass(frozen=True)
class Example:
    """One labelled question: its features, the allowed articles, the right ones (none: out of scope), and
    the question's own features."""

    matrix: NDArray[np.float64]
    allowed: NDArray[np.bool_]
    right: NDArray[np.bool_]
    question: NDArray[np.float64]


def train(
    examples: Sequence[Example], l2: float = 1e-3, iterations: int = 1500, rate: float = 0.05
) -> LinearRanker:
    """Fit the weights and the "none" score by listwise softmax cross-entropy (Adam, L2 on the weights).
    Every right article shares the target; an example with none right targets "none"."""
    x = np.stack([e.matrix for e in examples])  # questions × articles × features
    q = np.stack([e.question for e in examples])  # questions × question features
    allowed = np.stack([e.allowed for e in examples])
    target = np.concatenate(
        [np.stack([e.right & e.allowed for e in examples]), np.zeros((len(examples), 1), bool)], axis=1
    ).astype(np.float64)
    target[target.sum(axis=1) == 0, -1] = 1.0
    target /= target.sum(axis=1, keepdims=True)
    features, extra = x.shape[2], q.shape[1]
    params = np.zeros(features + 1 + extra)  # article weights, "none" score, its question weights
    first, second = np.zeros_like(params), np.zeros_like(params)
    for step in range(1, iterations + 1):
        weights, none, none_weights = params[:features], params[features], params[features + 1 :]
        scores = np.where(allowed, x @ weights, -np.inf)
        scores = np.concatenate([scores, (none + q @ none_weights)[:, None]], axis=1)
        scores -= scores.max(axis=1, keepdims=True)
        probabilities = np.exp(scores)
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        error = probabilities - target
        gradient = np.concatenate(
            [
                np.einsum("qa,qaf->f", error[:, :-1], x),
                [error[:, -1].sum()],
                error[:, -1] @ q,
            ]
        ) / len(examples)
        gradient[:features] += l2 * weights
        first = 0.9 * first + 0.1 * gradient
        second = 0.999 * second + 0.001 * gradient**2
        params -= rate * (first / (1 - 0.9**step)) / (np.sqrt(second / (1 - 0.999**step)) + 1e-8)
    return LinearRanker(
        tuple(float(w) for w in params[:features]),
        float(params[features]),
        tuple(float(w) for w in params[features + 1 :]),
    )
