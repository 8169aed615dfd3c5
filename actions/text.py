"""Clean what a person typed before anything reads it."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import Enum

#: Longest question we accept; Telegram itself allows 4096 characters.
MAX_TEXT_CHARS = 2000

# Zero-width and bidirectional control characters: invisible, and a way to disguise text.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u00ad]")


class TextKind(Enum):
    """What kind of text a message turned out to be."""

    OK = "ok"
    EMPTY = "empty"
    TOO_LONG = "too_long"
    NO_WORDS = "no_words"


@dataclass(frozen=True)
class CleanText:
    """A message after normalisation, with its verdict."""

    kind: TextKind
    text: str


def clean_text(raw: str | None) -> CleanText:
    """Normalise to NFC, drop invisible characters and classify the result."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", raw or "")).strip()
    if not text:
        return CleanText(TextKind.EMPTY, "")
    if len(text) > MAX_TEXT_CHARS:
        return CleanText(TextKind.TOO_LONG, text)
    if not any(unicodedata.category(ch)[0] in "LN" for ch in text):
        return CleanText(TextKind.NO_WORDS, text)
    return CleanText(TextKind.OK, text)
