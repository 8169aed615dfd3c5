"""Shared NLU fixtures: the trained embedded model and one model trained on the held-out split."""

from __future__ import annotations

import pytest

from nlu.embedded import EmbeddedNlu
from nlu.evaluate import Prediction, predict, split
from nlu.train import fit, load_embedded, read_threshold
from nlu.training_data import TrainingData, load_training_data


@pytest.fixture(scope="session")
def training_data() -> TrainingData:
    return load_training_data()


@pytest.fixture(scope="session")
def embedded() -> EmbeddedNlu:
    """The build artefact (trained here first when missing or stale)."""
    return load_embedded()


@pytest.fixture(scope="session")
def held_out(training_data: TrainingData) -> list[Prediction]:
    """Predictions on the test part of the split by a model trained on its train part only."""
    train, test = split(training_data)
    backend = fit(train, read_threshold())
    return predict(backend, test.examples)
