"""Passage selection: the one or two body lines that best answer this question, shown under the summary.

A line scores by the question words it shares (weighted by how rare they are among the article's lines),
by its e5 similarity with the question (English lines, when the translation has the same lines), and by
a digit when the question asks for an amount or a deadline.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from knowledge.semantic import body_lines
from knowledge.tokenize import fold, tokenize

MAX_LINES = 2
#: A line needs at least this score to be shown, and at least this share of the best line's score.
MIN_SCORE = 0.35
MIN_SHARE = 0.6
DENSE_FLOOR = 0.8
CUE_BONUS = 0.3
# Folded words that ask for an amount or a deadline, in the curated languages.
# fmt: off
NUMBER_CUES = frozenset((
    "much", "cost", "costs", "amount", "fee", "fees", "price", "rate", "salary", "wage", "minimum",
    "limit", "threshold", "when", "deadline", "until", "long", "date", "days", "percent",
    "quanto", "quanta", "quanti", "costo", "costa", "importo", "tariffa", "soglia", "limite", "stipendio",
    "quando", "scadenza", "entro", "termine", "giorni",
    "viel", "wieviel", "kosten", "kostet", "betrag", "gebuhr", "gebuhren", "grenze", "lohn", "wann",
    "frist", "lange", "tage",
    "koliko", "znesek", "stane", "placa", "prag", "meja", "kdaj", "rok", "dni",
    "iznos", "kosta", "granica", "kada", "kad", "dana",
    "mennyi", "mennyibe", "osszeg", "dij", "ber", "minimalber", "hatar", "mikor", "hatarido", "meddig",
))
# fmt: on
_WORD = re.compile(r"[^\W_]+")
_DIGIT = re.compile(r"\d")


def asks_for_number(question: str) -> bool:
    """Whether the question asks how much, how long or by when."""
    return bool(NUMBER_CUES & set(_WORD.findall(fold(question))))


def _lexical(question: str, lines: Sequence[str], lang: str) -> list[float]:
    wanted = set(tokenize(question, lang))
    tokens = [set(tokenize(line, lang)) for line in lines]
    if not wanted:
        return [0.0] * len(lines)
    idf = {t: math.log(1 + len(lines) / (1 + sum(t in line for line in tokens))) for t in wanted}
    total = sum(idf.values())
    return [sum(idf[t] for t in wanted & line) / total for line in tokens]


def select_lines(
    question: str, body: str, lang: str, dense: Sequence[float] = (), skip_last: bool = False
) -> tuple[int, ...]:
    """Indexes (in body order) of the lines of ``body`` that best answer ``question``, at most two.

    ``dense`` holds the e5 similarity of each line (ignored unless there is one per line); ``skip_last``
    leaves out the closing not-legal-advice line, which the card shows anyway.
    """
    lines = body_lines(body)
    candidates = len(lines) - 1 if skip_last else len(lines)
    scores = _lexical(question, lines[:candidates], lang)
    if len(dense) == len(lines):
        scores = [
            s + max(0.0, d - DENSE_FLOOR) / (1 - DENSE_FLOOR) for s, d in zip(scores, dense, strict=False)
        ]
    if asks_for_number(question):
        scores = [s + CUE_BONUS * bool(_DIGIT.search(line)) for s, line in zip(scores, lines, strict=False)]
    ranked = sorted(range(candidates), key=lambda n: scores[n], reverse=True)
    if not ranked or scores[ranked[0]] < MIN_SCORE:
        return ()
    best = scores[ranked[0]]
    chosen = [n for n in ranked[:MAX_LINES] if scores[n] >= max(MIN_SCORE, MIN_SHARE * best)]
    return tuple(sorted(chosen))
