"""Train the embedded NLU backend from ``nlu/data`` and keep it as a build artefact.

The artefact lives in ``artefacts/nlu/embedded-<hash>/``, where the hash covers the training data,
``config.yml``, the training code and the spaCy version: :func:`ensure_model` retrains exactly when
one of them changed (a few seconds on two cores) and otherwise just returns the folder.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any, cast

import spacy
import yaml
from spacy.about import __version__ as spacy_version
from spacy.pipeline import EntityRuler, TextCategorizer
from spacy.training import Example
from thinc.api import Adam

from nlu.embedded import META_FILE, EmbeddedNlu
from nlu.embedded_entities import phrase_patterns
from nlu.embedded_model import ARCHITECTURE
from nlu.embedded_text import normalise
from nlu.training_data import DATA_DIR, TrainingData, load_training_data

ROOT = Path(__file__).resolve().parent.parent
CONFIG_PATH = ROOT / "config.yml"
ARTEFACTS_DIR = ROOT / "artefacts" / "nlu"
PREFIX = "embedded-"

SEED = 20261121
EPOCHS = 6
BATCH_SIZE = 64
LEARN_RATE = 0.02
#: The textcat model, chosen by measurement (figures in the docstring of nlu/embedded_model.py).
TEXTCAT_MODEL: dict[str, Any] = {"@architectures": ARCHITECTURE, "min_n": 1, "max_n": 4, "length": 2**16}
#: Source files whose change must retrain the model.
_CODE_FILES = ("train.py", "embedded.py", "embedded_model.py", "embedded_entities.py", "embedded_text.py")


def read_threshold(config_path: Path = CONFIG_PATH) -> float:
    """Return the FallbackClassifier ``threshold`` of a Rasa config; raise if there is none."""
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    for component in config.get("pipeline") or []:
        if isinstance(component, dict) and component.get("name") == "FallbackClassifier":
            threshold = component.get("threshold")
            if isinstance(threshold, int | float) and 0 <= threshold <= 1:
                return float(threshold)
    raise ValueError(f"{config_path}: no FallbackClassifier with a threshold between 0 and 1")


def fit(data: TrainingData, threshold: float, seed: int = SEED) -> EmbeddedNlu:
    """Train a backend on ``data`` in memory (deterministic for a given ``seed``)."""
    nlp = spacy.blank("xx")
    textcat = cast(TextCategorizer, nlp.add_pipe("textcat", config={"model": TEXTCAT_MODEL}))
    labels = sorted({example.intent for example in data.examples})
    for label in labels:
        textcat.add_label(label)
    examples = [
        Example.from_dict(
            nlp.make_doc(normalise(ex.text)), {"cats": {label: float(label == ex.intent) for label in labels}}
        )
        for ex in data.examples
    ]
    optimizer = Adam(learn_rate=LEARN_RATE, use_averages=False)
    nlp.initialize(lambda: examples, sgd=optimizer)
    rng = random.Random(seed)
    for _ in range(EPOCHS):
        rng.shuffle(examples)
        for start in range(0, len(examples), BATCH_SIZE):
            nlp.update(examples[start : start + BATCH_SIZE], sgd=optimizer)
    # added after initialize(), which would clear its patterns
    ruler = cast(EntityRuler, nlp.add_pipe("entity_ruler", first=True))
    ruler.add_patterns(phrase_patterns(data))
    return EmbeddedNlu(nlp, threshold, data.regexes)


def model_hash(data_dir: Path = DATA_DIR, config_path: Path = CONFIG_PATH) -> str:
    """Return a short hash of everything the trained model depends on."""
    digest = hashlib.sha256(spacy_version.encode())
    sources = [(f"data/{p.relative_to(data_dir).as_posix()}", p) for p in sorted(data_dir.rglob("*.yml"))]
    sources += [("config.yml", config_path)]
    sources += [(f"code/{name}", Path(__file__).with_name(name)) for name in _CODE_FILES]
    for name, path in sources:
        digest.update(f"\0{name}\0".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def train(data_dir: Path = DATA_DIR, config_path: Path = CONFIG_PATH, out_dir: Path = ARTEFACTS_DIR) -> Path:
    """Train on every example under ``data_dir`` and save to ``out_dir/embedded-<hash>``.

    Other ``embedded-*`` folders in ``out_dir`` are removed afterwards. Training writes to a
    temporary folder that is renamed at the end, so a concurrent reader never sees half a model.
    """
    target = out_dir / f"{PREFIX}{model_hash(data_dir, config_path)}"
    started = time.perf_counter()
    data = load_training_data(data_dir)
    backend = fit(data, read_threshold(config_path))
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".training-", dir=out_dir))
    try:
        backend.to_disk(staging, examples=len(data.examples), seconds=round(time.perf_counter() - started, 2))
        try:
            os.replace(staging, target)
        except OSError:  # another process saved the same (deterministic) model first
            if not (target / META_FILE).is_file():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    for old in out_dir.glob(f"{PREFIX}*"):
        if old != target:
            shutil.rmtree(old, ignore_errors=True)
    return target


def ensure_model(force: bool = False) -> Path:
    """Return the up-to-date model folder, training it first when missing, stale or ``force``."""
    target = ARTEFACTS_DIR / f"{PREFIX}{model_hash()}"
    if force or not (target / META_FILE).is_file():
        return train()
    return target


def load_embedded(path: Path | None = None) -> EmbeddedNlu:
    """Load the backend from ``path``, or from :func:`ensure_model` when ``path`` is ``None``."""
    return EmbeddedNlu.from_disk(ensure_model() if path is None else path)
