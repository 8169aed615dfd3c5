"""The held-out split, the metrics, and the NLU quality gate."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from nlu.backend import FALLBACK_INTENT
from nlu.embedded_text import normalise
from nlu.evaluate import (
    Prediction,
    by_language,
    folds,
    gibberish,
    intent_scores,
    macro_f1,
    split,
    threshold_sweep,
)
from nlu.training_data import CORE_LANGUAGES, Example, TrainingData

#: Held-out macro-F1 (top intent, before the fallback) every core language must keep: the 0.90 the issue
#: asks for. With the enlarged data (~80-170 examples per intent and core language) the model reaches
#: 0.92-0.96 per core language on the split (de lowest, 0.919) and 0.92-0.95 in 5-fold cross-validation
#: (hu lowest, 0.923 ± 0.023), so 0.90 leaves about one standard deviation of headroom.
MIN_CORE_MACRO_F1 = 0.90


def _groups(data: TrainingData) -> Counter[tuple[str, str]]:
    return Counter((e.language, e.intent) for e in data.examples)


def test_split_is_stratified_by_language_and_intent(training_data: TrainingData) -> None:
    _, test = split(training_data)
    everything, held_out = _groups(training_data), _groups(test)
    assert set(held_out) == set(everything)
    for group, size in everything.items():
        assert abs(held_out[group] - round(size * 0.2)) <= 2, group


def test_split_is_disjoint_and_complete(training_data: TrainingData) -> None:
    train, test = split(training_data)
    assert len(train.examples) + len(test.examples) == len(training_data.examples)
    assert {normalise(e.text) for e in train.examples}.isdisjoint(normalise(e.text) for e in test.examples)
    assert (train.synonyms, train.lookups, train.regexes) == (
        training_data.synonyms,
        training_data.lookups,
        training_data.regexes,
    )


def test_split_is_deterministic(training_data: TrainingData) -> None:
    assert split(training_data) == split(training_data)
    assert split(training_data, seed=1)[1] != split(training_data)[1]


def test_folds_cover_every_example_once(training_data: TrainingData) -> None:
    parts = folds(training_data, k=5)
    tested = [e for _, test in parts for e in test.examples]
    assert Counter(tested) == Counter(training_data.examples)
    for train, test in parts:
        assert {normalise(e.text) for e in train.examples}.isdisjoint(
            normalise(e.text) for e in test.examples
        )


def _prediction(gold: str, predicted: str, confidence: float = 0.9) -> Prediction:
    return Prediction(Example("x", gold, "en", (), Path("x.yml")), predicted, confidence)


def test_scores_count_a_fallback_as_a_miss() -> None:
    pairs = [("greet", "greet"), ("greet", FALLBACK_INTENT), ("thanks", "greet"), ("thanks", "thanks")]
    scores = intent_scores(pairs)
    assert (scores["greet"].precision, scores["greet"].recall, scores["greet"].support) == (0.5, 0.5, 2)
    assert (scores["thanks"].precision, scores["thanks"].recall) == (1.0, 0.5)
    assert macro_f1(pairs) == pytest.approx((0.5 + 2 / 3) / 2)


def test_threshold_sweep_counts_caught_mistakes_and_noise() -> None:
    predictions = [_prediction("greet", "greet", 0.9), _prediction("greet", "thanks", 0.3)]
    row = next(r for r in threshold_sweep(predictions, [0.1, 0.6]) if r["threshold"] == 0.5)
    assert (row["accepted_right"], row["caught_wrong"], row["gibberish_rejected"]) == (0.5, 0.5, 0.5)
    assert row["handled"] == 0.75


def test_gibberish_is_deterministic_and_not_training_data(training_data: TrainingData) -> None:
    noise = gibberish()
    assert noise == gibberish()
    assert {normalise(t) for t in noise}.isdisjoint(normalise(e.text) for e in training_data.examples)


@pytest.mark.parametrize("language", CORE_LANGUAGES)
def test_held_out_macro_f1_per_core_language(held_out: list[Prediction], language: str) -> None:
    group = by_language(held_out)[language]
    assert macro_f1([(p.example.intent, p.intent) for p in group]) >= MIN_CORE_MACRO_F1
