"""Typed, immutable models of a knowledge article (see ``knowledge/SCHEMA.md``).

The models check structure only: required fields, types, enums and non-empty text. Content rules
(lengths, counts, numbers, languages, coverage) live in :mod:`knowledge.checker` so that one broken
sentence does not hide every other problem in the file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, field_validator

CURATED_LANGUAGES = ("en", "it", "de", "sl", "hr", "hu")
FALLBACK_LANGUAGE = "en"
COUNTRIES = ("IT", "DE", "SI", "HR", "HU")
ALL_COUNTRIES = (*COUNTRIES, "EU")
TOPICS = ("legislation", "finance", "marketing", "hr")
ALL_TOPICS = (*TOPICS, "support")
SECTORS = ("fashion", "design", "food", "all")
STAGES = ("starting", "running", "hiring")

SUMMARY_MAX = 300
BODY_MAX = 1200
MIN_QUESTIONS = 4
MIN_KEYWORDS = 1
MIN_PER_TOPIC = 5

REPO_ROOT = Path(__file__).resolve().parent.parent


def _one_of(allowed: tuple[str, ...]) -> Callable[[str], str]:
    """Return a validator accepting only the values in ``allowed``."""

    def check(value: str) -> str:
        if value not in allowed:
            raise ValueError(f"{value!r} is not one of {', '.join(allowed)}")
        return value

    return check


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Country = Annotated[str, AfterValidator(_one_of(ALL_COUNTRIES))]
Topic = Annotated[str, AfterValidator(_one_of(ALL_TOPICS))]
Sector = Annotated[str, AfterValidator(_one_of(SECTORS))]
Stage = Annotated[str, AfterValidator(_one_of(STAGES))]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Source(_Frozen):
    """An official page the facts were checked against."""

    publisher: Text
    title: Text
    url: Text


class Translation(_Frozen):
    """One language version of an article."""

    title: Text
    summary: Text
    body: Text
    questions: tuple[Text, ...]
    keywords: tuple[Text, ...]


class Article(_Frozen):
    """A curated article with all its language versions."""

    id: Text
    country: Country
    topic: Topic
    sectors: Annotated[tuple[Sector, ...], Field(min_length=1)]
    stage: Annotated[tuple[Stage, ...], Field(min_length=1)]
    related: tuple[Text, ...]
    sources: Annotated[tuple[Source, ...], Field(min_length=1)]
    reviewed: date
    review_by: date
    translations: dict[str, Translation]
    path: Path

    @field_validator("translations", mode="before")
    @classmethod
    def _drop_empty_languages(cls, value: Any) -> Any:
        """Treat ``hu:`` or ``hu: {}`` as a missing language, which the checker reports."""
        if isinstance(value, dict):
            return {lang: text for lang, text in value.items() if text}
        return value

    @field_validator("translations")
    @classmethod
    def _known_languages_with_fallback(cls, value: dict[str, Translation]) -> dict[str, Translation]:
        unknown = sorted(set(value) - set(CURATED_LANGUAGES))
        if unknown:
            raise ValueError(f"unknown language {', '.join(unknown)} (use {', '.join(CURATED_LANGUAGES)})")
        if FALLBACK_LANGUAGE not in value:
            raise ValueError(f"{FALLBACK_LANGUAGE!r} is required: it is the fallback for every language")
        return value

    def text(self, language: str) -> Translation:
        """Return the version in ``language``, or the English one when it is missing."""
        return self.translations.get(language) or self.translations[FALLBACK_LANGUAGE]


class Severity(StrEnum):
    """How bad a problem is: errors fail ``kb check``, warnings do not."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """One finding about one field of one file, printed as ``path: field: message``."""

    path: Path
    field: str
    message: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        suffix = " (warning)" if self.severity is Severity.WARNING else ""
        return f"{display_path(self.path)}: {self.field}: {self.message}{suffix}"


def display_path(path: Path) -> str:
    """Return ``path`` relative to the repository root when it lies inside it."""
    resolved = path.resolve()
    return str(resolved.relative_to(REPO_ROOT)) if resolved.is_relative_to(REPO_ROOT) else str(path)
