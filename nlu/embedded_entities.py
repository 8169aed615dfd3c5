"""Rule-based entities of the embedded backend: phrase patterns from the synonym and lookup tables,
and the regexes of ``nlu/data/entities.yml``.

Phrase patterns are matched by spaCy's ``entity_ruler`` on the folded text (see
:mod:`nlu.embedded_text`), so "Njemačkoj", "njemackoj" and "NJEMAČKOJ" all give ``country=DE``: the
pattern's ``id`` is the normalised value. Regexes run on the text as typed, since they were written
for it (``(?i)``, accented keywords).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from spacy.pipeline.entityruler import PatternType
from spacy.tokens import Doc

from nlu.backend import Entity
from nlu.embedded_text import Folded, normalise
from nlu.training_data import ENTITY_VALUES, TrainingData

_DIGITS = re.compile(r"\d+")


def phrase_patterns(data: TrainingData) -> list[PatternType]:
    """Return ``entity_ruler`` patterns: every lookup surface form, and every annotated entity
    whose value is a known code (inflected forms like "poreza" appear only in examples).

    The first value seen for a folded surface form wins, so the result does not depend on set order.
    """
    candidates: list[tuple[str, str, str]] = [
        (entity, surface, data.resolve(surface) or surface)
        for entity, surfaces in sorted(data.lookups.items())
        for surface in surfaces
    ]
    candidates += [
        (span.entity, example.text[span.start : span.end], span.value)
        for example in data.examples
        for span in example.entities
        if span.value in ENTITY_VALUES.get(span.entity, ())
    ]
    patterns: dict[tuple[str, str], PatternType] = {}
    for entity, surface, value in candidates:
        folded = normalise(surface)
        if folded:
            patterns.setdefault((entity, folded), {"label": entity, "pattern": folded, "id": value})
    return list(patterns.values())


def compile_regexes(regexes: Mapping[str, Sequence[str]]) -> list[tuple[str, re.Pattern[str]]]:
    """Compile the regex table as ``(entity, pattern)`` pairs, in a stable order."""
    return [(name, re.compile(pattern)) for name, patterns in sorted(regexes.items()) for pattern in patterns]


def regex_value(entity: str, surface: str) -> str:
    """Normalise a regex match: the number of an event, the digits of a VAT number, an upper-case
    tax code; any other entity keeps its surface text."""
    if entity == "event_id":
        number = _DIGITS.search(surface)
        return str(int(number.group())) if number else surface
    if entity == "partita_iva":
        return "".join(_DIGITS.findall(surface))
    if entity == "codice_fiscale":
        return surface.upper()
    return surface


def find_entities(
    text: str, doc: Doc, folded: Folded, regexes: Sequence[tuple[str, re.Pattern[str]]]
) -> tuple[Entity, ...]:
    """Return the entities of ``text``: the ruler's spans on ``doc`` (built from ``folded``) mapped
    back to the original offsets, plus regex matches; on overlap the longer span wins."""
    found = []
    for span in doc.ents:
        start, end = folded.span(span.start_char, span.end_char)
        found.append(Entity(span.label_, span.ent_id_, start, end, text[start:end]))
    for entity, pattern in regexes:
        for match in pattern.finditer(text):
            if match.end() > match.start():
                value = regex_value(entity, match.group())
                found.append(Entity(entity, value, match.start(), match.end(), match.group()))
    return _without_overlaps(found)


def _without_overlaps(entities: Iterable[Entity]) -> tuple[Entity, ...]:
    """Keep the longest of overlapping entities (the earliest on a tie), in text order."""
    kept: list[Entity] = []
    for entity in sorted(entities, key=lambda e: (e.start - e.end, e.start)):
        if all(entity.end <= other.start or entity.start >= other.end for other in kept):
            kept.append(entity)
    return tuple(sorted(kept, key=lambda e: e.start))
