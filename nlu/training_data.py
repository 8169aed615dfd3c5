"""Typed loader for the Rasa 3.x YAML NLU training data under ``nlu/data``.

Layout: ``nlu/data/<lang>/<domain>.yml`` hold intent examples; ``nlu/data/entities.yml`` holds
``synonym``, ``lookup`` and ``regex`` blocks. Both Rasa annotation syntaxes are understood:
``[Germania](country)`` (optionally ``[Germania](country:DE)``) and
``[Njemačkoj]{"entity": "country", "value": "DE"}`` (also the list form ``[x][{...}, {...}]``).
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from nlu.backend import INTENTS

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - libyaml missing
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

__all__ = [
    "CORE_LANGUAGES",
    "COUNTRY_CODES",
    "DATA_DIR",
    "ENTITY_VALUES",
    "EXTRA_LANGUAGES",
    "INTENTS",
    "LANGUAGES",
    "SECTORS",
    "TOPICS",
    "EntitySpan",
    "Example",
    "TrainingData",
    "TrainingDataError",
    "load_training_data",
    "parse_annotated",
]

DATA_DIR = Path(__file__).resolve().parent / "data"

CORE_LANGUAGES: tuple[str, ...] = ("en", "it", "de", "sl", "hr", "hu")
EXTRA_LANGUAGES: tuple[str, ...] = ("ar", "zh", "uk", "tr", "es", "fr")
LANGUAGES: tuple[str, ...] = CORE_LANGUAGES + EXTRA_LANGUAGES


COUNTRY_CODES: frozenset[str] = frozenset({"IT", "DE", "SI", "HR", "HU"})
TOPICS: frozenset[str] = frozenset({"legislation", "finance", "marketing", "hr"})
SECTORS: frozenset[str] = frozenset({"fashion", "design", "food"})
ENTITY_VALUES: Mapping[str, frozenset[str]] = {
    "country": COUNTRY_CODES,
    "topic": TOPICS,
    "sector": SECTORS,
}

_KINDS = ("intent", "synonym", "lookup", "regex")

# Rasa's own pattern: [text](entity) | [text](entity:value) | [text]{json} | [text][json, ...]
_ENTITY_RE = re.compile(
    r"\[(?P<text>[^\]]+?)\]"
    r"(?:\((?P<entity>[^:)]+?)(?::(?P<value>[^)]+))?\)"
    r"|(?P<dict>\{[^}]+?\})"
    r"|\[(?P<dicts>.*?)\])"
)


_RawSpan = tuple[int, int, str, str | None]


class TrainingDataError(ValueError):
    """Raised when a training data file is not valid Rasa 3.x NLU YAML."""


@dataclass(frozen=True, slots=True)
class EntitySpan:
    """An entity at ``text[start:end]`` of an example; ``value`` is the normalised value."""

    start: int
    end: int
    entity: str
    value: str


@dataclass(frozen=True, slots=True)
class Example:
    """One training utterance with annotations removed."""

    text: str
    intent: str
    language: str
    entities: tuple[EntitySpan, ...]
    source: Path


@dataclass(frozen=True)
class TrainingData:
    """All examples plus the synonym, lookup and regex tables."""

    examples: tuple[Example, ...]
    synonyms: dict[str, str] = field(default_factory=dict)
    lookups: dict[str, list[str]] = field(default_factory=dict)
    regexes: dict[str, list[str]] = field(default_factory=dict)

    def intents(self) -> list[str]:
        """Return the intent names present, sorted."""
        return sorted({ex.intent for ex in self.examples})

    def languages(self) -> list[str]:
        """Return the language codes present, sorted."""
        return sorted({ex.language for ex in self.examples})

    def counts(self) -> dict[str, dict[str, int]]:
        """Return ``{language: {intent: number of examples}}``."""
        result: dict[str, dict[str, int]] = defaultdict(dict)
        for (language, intent), n in sorted(Counter((e.language, e.intent) for e in self.examples).items()):
            result[language][intent] = n
        return dict(result)

    def count(self, language: str, intent: str) -> int:
        """Return the number of examples of ``intent`` in ``language``."""
        return sum(1 for e in self.examples if e.language == language and e.intent == intent)

    def for_language(self, language: str) -> list[Example]:
        """Return the examples written in ``language``."""
        return [e for e in self.examples if e.language == language]

    def resolve(self, surface: str) -> str | None:
        """Return the synonym value of a surface form (case-insensitive), if any."""
        return self.synonyms.get(surface.strip().lower())


def parse_annotated(raw: str) -> tuple[str, tuple[EntitySpan, ...]]:
    """Strip entity annotations from ``raw``; a span without an explicit value gets its surface text."""
    text, raw_spans = _parse(raw)
    return text, tuple(
        EntitySpan(start, end, entity, text[start:end] if value is None else value)
        for start, end, entity, value in raw_spans
    )


def _parse(raw: str) -> tuple[str, list[_RawSpan]]:
    """Return the clean text and ``(start, end, entity, explicit value or None)`` spans."""
    parts: list[str] = []
    spans: list[_RawSpan] = []
    pos = 0
    length = 0
    for match in _ENTITY_RE.finditer(raw):
        before = raw[pos : match.start()]
        surface = match.group("text")
        parts += [before, surface]
        start = length + len(before)
        length = start + len(surface)
        spans += [(start, length, entity, value) for entity, value in _entity_attributes(match, raw)]
        pos = match.end()
    parts.append(raw[pos:])
    return "".join(parts), spans


def _entity_attributes(match: re.Match[str], raw: str) -> list[tuple[str, str | None]]:
    """Return ``(entity, explicit value or None)`` pairs of one annotation."""
    if match.group("entity") is not None:
        return [(match.group("entity").strip(), _strip_or_none(match.group("value")))]
    payload = match.group("dict")
    decoded: Any
    try:
        decoded = json.loads(payload) if payload is not None else json.loads(f"[{match.group('dicts')}]")
    except json.JSONDecodeError as exc:
        raise TrainingDataError(f"invalid entity JSON in {raw!r}: {exc}") from exc
    items = decoded if isinstance(decoded, list) else [decoded]
    result: list[tuple[str, str | None]] = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("entity"), str):
            raise TrainingDataError(f"entity annotation without an 'entity' name in {raw!r}")
        value = item.get("value")
        result.append((item["entity"], None if value is None else str(value)))
    return result


def _strip_or_none(value: str | None) -> str | None:
    return None if value is None else value.strip()


def _example_lines(examples: Any, source: Path) -> Iterator[str]:
    """Yield the example strings of a block (``- x`` lines, or a list of ``{text: ...}``)."""
    if isinstance(examples, str):
        for line in examples.splitlines():
            stripped = line.strip()
            if not stripped:
                continue
            if not stripped.startswith("- "):
                raise TrainingDataError(f"{source}: example line must start with '- ': {line!r}")
            text = stripped[2:].strip()
            if text:
                yield text
    elif isinstance(examples, list):
        for item in examples:
            entry = item.get("text") if isinstance(item, dict) else None
            if not isinstance(entry, str):
                raise TrainingDataError(f"{source}: example entries need a 'text' string")
            yield entry.strip()
    else:
        raise TrainingDataError(f"{source}: 'examples' must be a block string or a list")


def _read(path: Path) -> list[dict[str, Any]]:
    """Load one file and return its ``nlu`` items (empty if it has none)."""
    with path.open(encoding="utf-8") as handle:
        document = yaml.load(handle, Loader=_Loader)
    if document is None:
        return []
    if not isinstance(document, dict):
        raise TrainingDataError(f"{path}: top level must be a mapping")
    items = document.get("nlu", [])
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise TrainingDataError(f"{path}: 'nlu' must be a list of mappings")
    return items


def _kind(item: Mapping[str, Any], path: Path) -> tuple[str, str]:
    """Return ``(kind, name)`` of an ``nlu`` item: exactly one of intent/synonym/lookup/regex."""
    kinds = [k for k in _KINDS if k in item]
    if len(kinds) != 1 or "examples" not in item:
        raise TrainingDataError(f"{path}: item needs exactly one of {_KINDS} and 'examples': {sorted(item)}")
    return kinds[0], str(item[kinds[0]])


def _language(item: Mapping[str, Any], path: Path, root: Path) -> str:
    """Return ``metadata.language``, else the name of the file's language folder."""
    metadata = item.get("metadata")
    if isinstance(metadata, dict) and isinstance(metadata.get("language"), str):
        return str(metadata["language"])
    if path.parent != root:
        return path.parent.name
    raise TrainingDataError(f"{path}: cannot tell the language of intent {item.get('intent')!r}")


def _add_synonym(synonyms: dict[str, str], surface: str, value: str, where: object) -> None:
    key = surface.strip().lower()
    known = synonyms.setdefault(key, value)
    if known != value:
        raise TrainingDataError(f"{where}: synonym {surface!r} maps to both {known!r} and {value!r}")


def _files(root: Path) -> Iterable[Path]:
    return sorted(p for p in root.rglob("*") if p.suffix in {".yml", ".yaml"} and p.is_file())


def load_training_data(root: Path = DATA_DIR) -> TrainingData:
    """Load every ``*.yml`` under ``root`` into a :class:`TrainingData`.

    Entity values are resolved: an explicit value wins, else the synonym of the surface text,
    else the surface text. Annotations with an explicit value also become synonyms (as in Rasa).
    """
    synonyms: dict[str, str] = {}
    lookups: dict[str, list[str]] = defaultdict(list)
    regexes: dict[str, list[str]] = defaultdict(list)
    pending: list[tuple[str, list[_RawSpan], str, str, Path]] = []

    for path in _files(root):
        for item in _read(path):
            kind, name = _kind(item, path)
            lines = list(_example_lines(item["examples"], path))
            if kind == "synonym":
                for surface in lines:
                    _add_synonym(synonyms, surface, name, path)
            elif kind == "lookup":
                lookups[name].extend(lines)
            elif kind == "regex":
                regexes[name].extend(lines)
            else:
                language = _language(item, path, root)
                pending += [(*_parse(raw), name, language, path) for raw in lines]

    # as in Rasa, an annotation with an explicit value is also a synonym
    for text, spans, _, _, path in pending:
        for start, end, _, value in spans:
            if value is not None and text[start:end] != value:
                _add_synonym(synonyms, text[start:end], value, path)

    examples = [
        Example(
            text,
            intent,
            language,
            tuple(
                EntitySpan(
                    start, end, entity, _resolve(synonyms, text[start:end]) if value is None else value
                )
                for start, end, entity, value in spans
            ),
            path,
        )
        for text, spans, intent, language, path in pending
    ]
    return TrainingData(tuple(examples), synonyms, dict(lookups), dict(regexes))


def _resolve(synonyms: Mapping[str, str], surface: str) -> str:
    return synonyms.get(surface.strip().lower(), surface)
