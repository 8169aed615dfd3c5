"""Text normalisation shared by training and parsing of the embedded NLU backend.

Phone-typed messages drop accents, stretch letters ("hellooo") and mix case; folding all of that away
lets the classifier and the entity patterns see one form. Chinese has no spaces, so every ideograph
becomes its own token (the classifier's n-grams then act as character n-grams). The folded text keeps
a map back to the original characters so entity offsets point into what the user typed.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

#: Letters that NFKD does not decompose, written the way a phone keyboard without them would.
_FOLD = {
    "đ": "d",
    "ł": "l",
    "ø": "o",
    "ß": "ss",
    "æ": "ae",
    "œ": "oe",
    "ı": "i",
    "ة": "ه",  # Arabic taa marbuta and final haa are used interchangeably
    "ى": "ي",  # Arabic alef maqsura typed for yaa
    "ـ": "",  # Arabic tatweel (stretching) carries no meaning
}
#: Longer runs of one character are cut to this length ("sooooo" -> "soo", "!!!!" -> "!!").
MAX_REPEAT = 2


@dataclass(frozen=True, slots=True)
class Folded:
    """Normalised text plus, for each of its characters, the span of source characters it stands for."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map ``[start, end)`` of the folded text to ``[start, end)`` of the original text."""
        return self.starts[start], self.ends[end - 1]


def _is_ideograph(char: str) -> bool:
    code = ord(char)
    return 0x3400 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0x3040 <= code <= 0x30FF


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    """Lowercase, strip accents and fold the few letters NFKD leaves alone."""
    lowered = char.lower()
    decomposed = unicodedata.normalize("NFKD", lowered)
    kept = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return "".join(_FOLD.get(c, c) for c in kept)


def fold(text: str) -> Folded:
    """Return the normalised form of ``text`` with its map to the original offsets.

    Lowercases, strips accents, cuts runs of a repeated character to :data:`MAX_REPEAT`, collapses
    whitespace and puts spaces around ideographs. A dropped character widens the span of the
    character before it, so "Italyyyy" maps back whole.
    """
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []

    def add(char: str, start: int, end: int) -> None:
        chars.append(char)
        starts.append(start)
        ends.append(end)

    for index, original in enumerate(text):
        kept = False
        for char in _fold_char(original):
            previous = chars[-1] if chars else " "
            if char.isspace() and previous == " ":
                continue
            if char.isspace():
                add(" ", index, index + 1)
            elif chars[-MAX_REPEAT:] == [char] * MAX_REPEAT:
                continue
            elif _is_ideograph(char):
                if previous != " ":
                    add(" ", index, index)
                add(char, index, index + 1)
                add(" ", index + 1, index + 1)
            else:
                add(char, index, index + 1)
            kept = True
        if not kept and chars and chars[-1] != " ":
            ends[-1] = index + 1
    while chars and chars[-1] == " ":
        chars.pop()
        starts.pop()
        ends.pop()
    return Folded("".join(chars), tuple(starts), tuple(ends))


def normalise(text: str) -> str:
    """Return only the normalised text (what the classifier is trained on and sees)."""
    return fold(text).text
