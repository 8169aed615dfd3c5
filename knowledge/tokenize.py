"""Search tokens: lowercase, accents folded, stopwords dropped, a light prefix stem for inflected words."""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path

import yaml

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_SPECIAL = str.maketrans({"ß": "ss", "đ": "d", "ł": "l", "ø": "o", "æ": "ae", "œ": "oe", "ı": "i"})
#: Longer tokens also yield their prefix, so "Njemačkoj" meets "Njemačka" and "registrare" "registro".
STEM_LENGTH = 5

STOPWORDS_FILE = Path(__file__).resolve().parent / "stopwords.yml"


@cache
def _stopwords(lang: str) -> frozenset[str]:
    lists: dict[str, str] = yaml.safe_load(STOPWORDS_FILE.read_text(encoding="utf-8"))
    return frozenset(lists.get(lang, "").split())


def fold(text: str) -> str:
    """Lowercase and strip accents: "Perché" → "perche", "Njemačka" → "njemacka"."""
    decomposed = unicodedata.normalize("NFKD", text.lower().translate(_SPECIAL))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def tokenize(text: str, lang: str) -> list[str]:
    """Tokens for BM25: folded words without stopwords, plus a prefix stem of long words."""
    stop = _stopwords(lang)
    tokens: list[str] = []
    for word in _WORD.findall(fold(text)):
        if word in stop:
            continue
        tokens.append(word)
        if len(word) > STEM_LENGTH and not word.isdigit():
            tokens.append(word[:STEM_LENGTH] + "~")
    return tokens
