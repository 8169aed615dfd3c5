"""The embedded NLU backend: a blank multilingual spaCy pipeline (``entity_ruler`` + ``textcat``).

Load it with :func:`nlu.train.load_embedded`, which trains the model first when it is missing or
stale. One parse is a single spaCy call on the folded text (well under a millisecond), so it runs
synchronously inside the async method.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import spacy
from spacy.language import Language

import nlu.embedded_model  # noqa: F401  (registers the textcat architecture the saved pipeline names)
from nlu.backend import FALLBACK_INTENT, Parse
from nlu.embedded_entities import compile_regexes, find_entities
from nlu.embedded_text import fold

META_FILE = "interhub.json"


class EmbeddedNlu:
    """Intent classification and rule-based entities without any server."""

    name = "embedded"

    def __init__(self, nlp: Language, threshold: float, regexes: Mapping[str, Sequence[str]]) -> None:
        """Wrap a trained pipeline.

        Args:
            nlp: Pipeline with a trained exclusive ``textcat`` and an ``entity_ruler``.
            threshold: Below this confidence the intent is :data:`~nlu.backend.FALLBACK_INTENT`.
            regexes: Entity name to regex patterns, matched on the text as typed.
        """
        self.nlp = nlp
        self.threshold = threshold
        self.regexes = {name: list(patterns) for name, patterns in regexes.items()}
        self._compiled = compile_regexes(self.regexes)

    @classmethod
    def from_disk(cls, path: Path) -> EmbeddedNlu:
        """Load a model saved by :meth:`to_disk`."""
        meta = json.loads((path / META_FILE).read_text(encoding="utf-8"))
        return cls(spacy.load(path), float(meta["threshold"]), meta["regexes"])

    def to_disk(self, path: Path, **extra: object) -> None:
        """Save the pipeline and the backend's settings (plus ``extra`` facts) under ``path``."""
        self.nlp.to_disk(path)
        meta = {"threshold": self.threshold, "regexes": self.regexes, **extra}
        (path / META_FILE).write_text(json.dumps(meta, indent=2, ensure_ascii=False), encoding="utf-8")

    def parse_sync(self, text: str) -> Parse:
        """Understand one message; below the threshold the intent is the fallback, ranking kept.

        ``confidence`` is always the best intent's probability, also when it falls back.
        """
        folded = fold(text)
        doc = self.nlp(folded.text)
        ranking = tuple(sorted(doc.cats.items(), key=lambda item: (-item[1], item[0])))
        best, confidence = ranking[0]
        return Parse(
            text=text,
            intent=best if confidence >= self.threshold else FALLBACK_INTENT,
            confidence=confidence,
            entities=find_entities(text, doc, folded, self._compiled),
            ranking=ranking,
            backend=self.name,
        )

    async def parse(self, text: str) -> Parse:
        """Understand one message (see :meth:`parse_sync`)."""
        return self.parse_sync(text)
