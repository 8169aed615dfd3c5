"""What counts as a valid answer, and which questions a response shows (``show_if``, consent)."""

from __future__ import annotations

import unicodedata
from typing import Any

from actions.surveys.definitions import Definition, Question
from actions.text import TextKind, clean_text


class InvalidAnswer(ValueError):
    """The answer does not fit the question; ``reason`` picks the hint shown to the person."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # number, range, buttons, empty, too_long, choose_one


def check_value(question: Question, value: Any) -> Any:
    """The value, normalised, if it is a valid answer to the question; else InvalidAnswer."""
    kind = question.type
    if kind in ("likert5", "nps"):
        top, bottom = (5, 1) if kind == "likert5" else (10, 0)
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidAnswer("number")
        if not bottom <= value <= top:
            raise InvalidAnswer("range")
        return value
    if kind == "single":
        if not isinstance(value, str) or question.choice(value) is None:
            raise InvalidAnswer("buttons")
        return value
    if kind == "multi":
        if not isinstance(value, list) or any(question.choice(str(v)) is None for v in value):
            raise InvalidAnswer("buttons")
        if not value:
            raise InvalidAnswer("choose_one")
        return [c.id for c in question.choices if c.id in value]  # definition order, no duplicates
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidAnswer("number")
        assert question.minimum is not None and question.maximum is not None
        if not question.minimum <= value <= question.maximum:
            raise InvalidAnswer("range")
        return value
    if not isinstance(value, str):
        raise InvalidAnswer("empty")
    cleaned = clean_text(value)
    if cleaned.kind in (TextKind.EMPTY, TextKind.NO_WORDS):
        raise InvalidAnswer("empty")
    if len(cleaned.text) > question.max_length:
        raise InvalidAnswer("too_long")
    return cleaned.text


def parse_typed(question: Question, typed: str) -> Any:
    """Read what a person typed as an answer: digits for scales and numbers, words for text."""
    if question.type == "text":
        return check_value(question, typed)
    if question.type in ("single", "multi"):
        raise InvalidAnswer("buttons")
    text = unicodedata.normalize("NFKC", typed).strip().replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        raise InvalidAnswer("number") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise InvalidAnswer("number")
    if question.type in ("likert5", "nps") or question.integer:
        if not number.is_integer():
            raise InvalidAnswer("number")
        return check_value(question, int(number))
    return check_value(question, number)


def visible(definition: Definition, answers: dict[str, Any], free_text: bool) -> list[Question]:
    """The questions this response shows: their ``show_if`` holds, and free text only under consent."""
    shown = []
    for question in definition.questions:
        if question.type == "text" and not free_text:
            continue
        if question.show_if is not None and not question.show_if.holds(
            answers.get(question.show_if.question)
        ):
            continue
        shown.append(question)
    return shown
