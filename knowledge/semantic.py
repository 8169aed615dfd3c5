"""Article vectors for dense retrieval: which texts are embedded, the cache, and best match per article.

USE v3 embeds the English title + summary and questions (for ar, zh, uk, tr, es, fr); e5 embeds them in
all six curated languages plus the English body lines (for passage selection). Vectors are a build
artefact keyed by encoder and content, so start-up only loads them.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from knowledge.encoders import CACHE, SentenceEncoder
from knowledge.models import CURATED_LANGUAGES, Article

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Passage:
    """One embedded text: its article (by position), language, kind ("text" or "line") and line number."""

    owner: int
    lang: str
    kind: str
    line: int
    text: str


def body_lines(body: str) -> list[str]:
    """The body's lines without bullets, as passage selection sees them (blank lines dropped)."""
    return [line.strip().lstrip("-•*").strip() for line in body.splitlines() if line.strip()]


def _texts(owner: int, article: Article, lang: str) -> list[Passage]:
    t = article.text(lang)
    return [Passage(owner, lang, "text", -1, text) for text in (f"{t.title}. {t.summary}", *t.questions)]


def use_passages(articles: Sequence[Article]) -> list[Passage]:
    """English title + summary and questions."""
    return [p for i, article in enumerate(articles) for p in _texts(i, article, "en")]


def e5_passages(articles: Sequence[Article]) -> list[Passage]:
    """Title + summary and questions in every curated language, and the English body lines."""
    passages = []
    for i, article in enumerate(articles):
        for lang in CURATED_LANGUAGES:
            passages += _texts(i, article, lang)
        lines = body_lines(article.text("en").body)
        passages += [Passage(i, "en", "line", n, line) for n, line in enumerate(lines)]
    return passages


def content_hash(name: str, passages: Sequence[Passage]) -> str:
    """A short hash of the encoder and every embedded text, so vectors are rebuilt when content changes."""
    digest = hashlib.sha256(name.encode())
    for passage in passages:
        digest.update(f"{passage.owner}|{passage.lang}|{passage.kind}|{passage.text}\n".encode())
    return digest.hexdigest()[:16]


def _memo(path: Path) -> dict[str, NDArray[np.float32]]:
    """Vectors of texts embedded by an earlier build, so a new article embeds only its own texts."""
    if not path.exists():
        return {}
    with np.load(path) as data:
        return dict(zip(data["texts"].tolist(), data["vectors"], strict=True))


def _save(path: Path, texts: list[str] | None, vectors: NDArray[np.float32]) -> None:
    """Write atomically: the vectors alone (``.npy``) or with their texts (``.npz``)."""
    tmp = path.with_name(f"tmp-{path.name}")
    if texts is None:
        np.save(tmp, vectors)
    else:
        np.savez(tmp, texts=np.asarray(texts), vectors=vectors)
    tmp.replace(path)


class SemanticIndex:
    """Article vectors (several per article) and the best cosine similarity per article."""

    def __init__(
        self,
        articles: Sequence[Article],
        encoder: SentenceEncoder,
        passages: Callable[[Sequence[Article]], list[Passage]],
        cache_dir: Path = CACHE,
    ) -> None:
        self.articles = list(articles)
        self.encoder = encoder
        self.passages = passages(self.articles)
        self._owners = np.asarray([p.owner for p in self.passages], dtype=np.int64)
        self._langs = np.asarray([p.lang for p in self.passages])
        self._is_text = np.asarray([p.kind == "text" for p in self.passages])
        self._subsets: dict[
            tuple[str, ...], tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]
        ] = {}
        self._lines: dict[int, list[int]] = {}
        for n, passage in enumerate(self.passages):
            if passage.kind == "line":
                self._lines.setdefault(passage.owner, []).append(n)
        self._vectors = self._load_or_build(cache_dir)

    def _load_or_build(self, cache_dir: Path) -> NDArray[np.float32]:
        path = cache_dir / f"{self.encoder.name}-{content_hash(self.encoder.name, self.passages)}.npy"
        if path.exists():
            vectors: NDArray[np.float32] = np.load(path)
            return vectors
        known = _memo(cache_dir / f"{self.encoder.name}-texts.npz")
        missing = sorted({p.text for p in self.passages} - known.keys())
        log.info("embedding %d new article texts (cached in %s)", len(missing), path)
        if missing:
            known.update(zip(missing, self.encoder.passages(missing), strict=True))
        vectors = np.stack([known[p.text] for p in self.passages]).astype(np.float32)
        cache_dir.mkdir(parents=True, exist_ok=True)
        texts = sorted({p.text for p in self.passages})
        _save(cache_dir / f"{self.encoder.name}-texts.npz", texts, np.stack([known[t] for t in texts]))
        _save(path, None, vectors)
        return vectors

    def similarities(self, vector: NDArray[np.float32]) -> NDArray[np.float32]:
        """Cosine similarity of a question vector with every embedded text (compute once per question)."""
        similarities: NDArray[np.float32] = self._vectors @ vector
        return similarities

    def best(
        self, similarities: NDArray[np.float32], langs: Sequence[str] = CURATED_LANGUAGES
    ) -> NDArray[np.float64]:
        """Best similarity per article among its texts in some languages (-1 for an article without any)."""
        rows, starts, owners = self._subset(tuple(langs))
        best = np.full(len(self.articles), -1.0)
        if len(rows):
            best[owners] = np.maximum.reduceat(similarities[rows], starts)
        return best

    def scores(
        self, vector: NDArray[np.float32], langs: Sequence[str] = CURATED_LANGUAGES
    ) -> NDArray[np.float64]:
        """Best cosine similarity of a question vector with each article's texts in some languages."""
        return self.best(self.similarities(vector), langs)

    def _subset(
        self, langs: tuple[str, ...]
    ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
        """Rows of the texts in some languages grouped by article, where each article's group starts, and
        those articles: ``reduceat`` then takes the best similarity per article in one pass."""
        if langs not in self._subsets:
            rows = np.flatnonzero(self._is_text & np.isin(self._langs, list(langs)))
            rows = rows[np.argsort(self._owners[rows], kind="stable")]
            owners = self._owners[rows]
            starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
            self._subsets[langs] = (rows, starts, owners[starts])
        return self._subsets[langs]

    def line_scores(self, vector: NDArray[np.float32], owner: int) -> list[float]:
        """Cosine similarity of a question vector with each English body line of one article."""
        rows = self._lines.get(owner, [])
        return [float(v) for v in self._vectors[rows] @ vector] if rows else []
