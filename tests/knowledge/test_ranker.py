"""The learned ranker: probabilities over the allowed articles and "none", training, saved weights."""

from __future__ import annotations

import numpy as np
import pytest

from knowledge.ranker import FEATURES, QUESTION_FEATURES, Example, LinearRanker, train

ARTICLES = 6
RNG = np.random.default_rng(7)


def _example(right: int | None, out_of_scope: float = 0.0) -> Example:
    """Noise in every feature; the right article (if any) stands out in the first feature only."""
    matrix = RNG.uniform(0.0, 0.3, size=(ARTICLES, len(FEATURES)))
    if right is not None:
        matrix[right, 0] = 1.0
    mask = np.zeros(ARTICLES, dtype=bool)
    if right is not None:
        mask[right] = True
    return Example(matrix, np.ones(ARTICLES, dtype=bool), mask, np.array([out_of_scope]))


def test_probabilities_leave_out_other_countries_and_keep_a_share_for_none() -> None:
    ranker = LinearRanker(weights=(1.0,) * len(FEATURES), none=0.0, none_weights=(0.0,))
    allowed = np.array([True, False, True, True, False, True])
    matrix = np.ones((ARTICLES, len(FEATURES)))

    probabilities = ranker.probabilities(matrix, allowed, np.zeros(len(QUESTION_FEATURES)))

    assert (probabilities[~allowed] == 0).all()
    # four allowed articles at e^11 and "none" at e^0: each article gets e^11 / (4 e^11 + 1)
    assert probabilities[allowed] == pytest.approx([1 / (4 + np.exp(-11))] * 4)
    assert probabilities.sum() < 1


def test_training_learns_which_feature_marks_the_answer_and_when_none_is() -> None:
    answerable = [_example(int(RNG.integers(ARTICLES))) for _ in range(60)]
    out_of_scope = [_example(None, out_of_scope=float(RNG.uniform(0.3, 0.9))) for _ in range(30)]

    ranker = train(answerable + out_of_scope, iterations=400, rate=0.1)

    assert max(ranker.weights) == ranker.weights[0]
    fresh = _example(2)
    assert ranker.probabilities(fresh.matrix, fresh.allowed, fresh.question).argmax() == 2
    assert ranker.probabilities(fresh.matrix, fresh.allowed, fresh.question)[2] > 0.5
    nothing = _example(None, out_of_scope=0.8)
    assert ranker.probabilities(nothing.matrix, nothing.allowed, nothing.question).max() < 0.5
    # The NLU's out-of-scope probability speaks for "none"
    assert ranker.none_weights[0] > 0


def test_saved_weights_round_trip_and_unknown_features_fall_back_to_the_defaults() -> None:
    ranker = LinearRanker(tuple(float(n) for n in range(len(FEATURES))), 3.5, (1.25,))

    assert LinearRanker.from_json(ranker.as_json()) == ranker
    renamed = ranker.as_json() | {"weights": {"bm25": 1.0}}
    assert LinearRanker.from_json(renamed) == LinearRanker()
    assert LinearRanker.from_json(None) == LinearRanker()
