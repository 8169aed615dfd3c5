"""A small questionnaire with every question type, for the survey tests, and helpers to answer one."""

from __future__ import annotations

from typing import Any

import yaml

from actions.surveys.definitions import Definition, Definitions, parse_definition, shipped
from core.i18n import SUPPORTED_LANGUAGES
from core.services import Services


def texts(english: str) -> dict[str, str]:
    """The English text in every language (tagged with the code, except English)."""
    return {lang: english if lang == "en" else f"{english} [{lang}]" for lang in SUPPORTED_LANGUAGES}


def demo_yaml(version: int = 1) -> str:
    """``demo``: likert5, nps, single, text with show_if, multi, number, optional text."""
    ends = {"low": texts("Bad"), "high": texts("Good")}
    raw: dict[str, Any] = {
        "name": "demo",
        "version": version,
        "title": texts("Demo survey"),
        "intro": texts("A demo."),
        "scores": {"nps": "score"},
        "questions": [
            {"id": "rate", "type": "likert5", "required": True, "text": texts("Rate it"), **ends},
            {"id": "score", "type": "nps", "required": True, "text": texts("Recommend it?"), **ends},
            {
                "id": "kind",
                "type": "single",
                "required": True,
                "text": texts("Which kind?"),
                "choices": [{"id": "alpha", "label": texts("Alpha")}, {"id": "beta", "label": texts("Beta")}],
            },
            {
                "id": "why",
                "type": "text",
                "text": texts("Why beta?"),
                "max_length": 50,
                "show_if": {"question": "kind", "in": ["beta"]},
            },
            {
                "id": "tools",
                "type": "multi",
                "text": texts("Which tools?"),
                "choices": [
                    {"id": "x", "label": texts("Tool X")},
                    {"id": "y", "label": texts("Tool Y")},
                    {"id": "z", "label": texts("Tool Z")},
                ],
            },
            {"id": "staff", "type": "number", "text": texts("How many staff?"), "min": 0, "max": 500},
            {"id": "note", "type": "text", "text": texts("Anything else?"), "hint": texts("Free words")},
        ],
    }
    return yaml.safe_dump(raw, allow_unicode=True)


def with_demo(services: Services) -> Definition:
    """Add ``demo`` to the shipped questionnaires of these services."""
    demo = parse_definition(demo_yaml(), "demo.v1.yml")
    services.surveys.definitions = Definitions([*shipped().all(), demo])
    return demo


async def answer_all(
    services: Services, pseudonym: str, name: str, values: dict[str, Any], **start: Any
) -> None:
    """Start ``name`` and answer each question asked with ``values`` (a missing id is skipped)."""
    progress = await services.surveys.begin(pseudonym, name, language=start.pop("language", "en"), **start)
    while progress.question is not None:
        qid = progress.question.id
        if qid in values:
            progress = await services.surveys.answer(progress.response_id, pseudonym, qid, values[qid])
        else:
            progress = await services.surveys.skip(progress.response_id, pseudonym, qid)
