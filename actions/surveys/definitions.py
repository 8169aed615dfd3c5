"""Questionnaire definitions: the YAML files in ``actions/surveys/definitions/``, loaded and validated.

One file per questionnaire and version (``<name>.v<version>.yml``). Every text is given in all 12 UI
languages; ``show_if`` may only look at earlier questions; choice ids are unique within a question.
``interhub survey check`` and the bot's start-up both run :func:`load_definitions`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from core.i18n import SUPPORTED_LANGUAGES

DEFINITIONS_DIR = Path(__file__).with_name("definitions")
TYPES = ("likert5", "nps", "single", "multi", "text", "number")
_ID = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_NAME = re.compile(r"^[a-z][a-z0-9]{0,23}$")  # also a deep-link ref: survey_<name>
TEXT_LIMIT = 1000
#: Columns every export row has; a question id may not take one of these names.
RESERVED_IDS = frozenset(
    {"response", "status", "language", "country", "sector", "event_id", "started_at", "submitted_at"}
)


#: Keys a file may use (and any key starting with ``x-``, e.g. shared YAML anchors).
FILE_KEYS = frozenset({"name", "version", "title", "intro", "per_event", "scores", "questions"})
QUESTION_KEYS = frozenset(
    {"id", "type", "text", "required", "hint", "show_if", "choices", "low", "high", "min", "max", "integer"}
    | {"max_length"}
)
#: Button data is ``sv:t:<response id, ≤ 9 digits>:<question id>:<choice id>``, at most 64 bytes.
CALLBACK_ROOM = 64 - len("sv:t:999999999::")


class DefinitionError(ValueError):
    """A questionnaire file breaks the schema; the message names the file and the place."""


Texts = dict[str, str]


@dataclass(frozen=True)
class Choice:
    """One option of a ``single`` or ``multi`` question."""

    id: str
    label: Texts


@dataclass(frozen=True)
class Condition:
    """``show_if``: an earlier answer is one of ``values`` (any of them, for multi) or within bounds."""

    question: str
    values: tuple[Any, ...] = ()
    minimum: float | None = None
    maximum: float | None = None

    def holds(self, answer: Any) -> bool:
        """Whether the earlier answer satisfies the condition (an unanswered one never does)."""
        if answer is None:
            return False
        if self.values:
            given = answer if isinstance(answer, list) else [answer]
            return any(value in self.values for value in given)
        if isinstance(answer, bool) or not isinstance(answer, int | float):
            return False
        return (self.minimum is None or answer >= self.minimum) and (
            self.maximum is None or answer <= self.maximum
        )


@dataclass(frozen=True)
class Question:
    """One question of a questionnaire."""

    id: str
    type: str
    text: Texts
    required: bool = False
    hint: Texts | None = None
    show_if: Condition | None = None
    choices: tuple[Choice, ...] = ()
    low: Texts | None = None  # the labelled ends of likert5 and nps
    high: Texts | None = None
    minimum: float | None = None  # number bounds
    maximum: float | None = None
    integer: bool = True
    max_length: int = TEXT_LIMIT

    def choice(self, choice_id: str) -> Choice | None:
        """The option with this id."""
        return next((c for c in self.choices if c.id == choice_id), None)


@dataclass(frozen=True)
class Definition:
    """A questionnaire at one version."""

    name: str
    version: int
    title: Texts
    intro: Texts
    questions: tuple[Question, ...]
    per_event: bool = False
    cuq: tuple[str, ...] = ()  # the 16 CUQ item ids, in the published order
    nps: str | None = None  # the question whose answers give the NPS score
    source: str = ""

    def question(self, question_id: str) -> Question | None:
        """The question with this id."""
        return next((q for q in self.questions if q.id == question_id), None)

    def index(self, question_id: str) -> int:
        """The position of a question (0-based)."""
        return next(i for i, q in enumerate(self.questions) if q.id == question_id)


def _texts(raw: Any, where: str) -> Texts:
    if not isinstance(raw, dict):
        raise DefinitionError(f"{where}: expected a text in every language")
    missing = [lang for lang in SUPPORTED_LANGUAGES if not str(raw.get(lang) or "").strip()]
    if missing:
        raise DefinitionError(f"{where}: missing languages {', '.join(missing)}")
    unknown = sorted(set(raw) - set(SUPPORTED_LANGUAGES))
    if unknown:
        raise DefinitionError(f"{where}: unknown languages {', '.join(unknown)}")
    return {lang: str(raw[lang]).strip() for lang in SUPPORTED_LANGUAGES}


def _optional_texts(raw: dict[str, Any], key: str, where: str) -> Texts | None:
    return _texts(raw[key], f"{where}.{key}") if key in raw else None


def _condition(raw: Any, where: str, earlier: dict[str, Question]) -> Condition:
    if not isinstance(raw, dict) or "question" not in raw:
        raise DefinitionError(f"{where}.show_if: needs 'question' and 'in' or 'min'/'max'")
    target = earlier.get(str(raw["question"]))
    if target is None:
        raise DefinitionError(f"{where}.show_if: {raw['question']!r} is not an earlier question")
    values = tuple(raw.get("in") or ())
    if not values and "min" not in raw and "max" not in raw:
        raise DefinitionError(f"{where}.show_if: needs 'in' or 'min'/'max'")
    if target.choices:
        unknown = [v for v in values if target.choice(str(v)) is None]
        if unknown or not values:
            raise DefinitionError(f"{where}.show_if: choices of {target.id!r} needed, not {unknown}")
    return Condition(target.id, values, raw.get("min"), raw.get("max"))


def _question(raw: Any, where: str, earlier: dict[str, Question]) -> Question:
    if not isinstance(raw, dict):
        raise DefinitionError(f"{where}: a question must be a mapping")
    qid, kind = str(raw.get("id", "")), str(raw.get("type", ""))
    if not _ID.match(qid):
        raise DefinitionError(f"{where}: bad id {qid!r} (lower case letters, digits, _)")
    where = f"{where} ({qid})"
    if qid in RESERVED_IDS or qid.endswith("_label"):
        raise DefinitionError(f"{where}: id reserved for the export's columns")
    if qid in earlier:
        raise DefinitionError(f"{where}: id used twice")
    unknown = sorted(set(raw) - QUESTION_KEYS)
    if unknown:
        raise DefinitionError(f"{where}: unknown keys {', '.join(unknown)}")
    if kind not in TYPES:
        raise DefinitionError(f"{where}: type must be one of {', '.join(TYPES)}")
    choices: list[Choice] = []
    for number, option in enumerate(raw.get("choices") or ()):
        cid = str(option.get("id", "")) if isinstance(option, dict) else ""
        if not _ID.match(cid):
            raise DefinitionError(f"{where}.choices[{number}]: bad id {cid!r}")
        if len(qid) + len(cid) > CALLBACK_ROOM:
            raise DefinitionError(f"{where}.choices.{cid}: question and choice ids too long for a button")
        if any(c.id == cid for c in choices):
            raise DefinitionError(f"{where}.choices: id {cid!r} used twice")
        choices.append(Choice(cid, _texts(option.get("label"), f"{where}.choices.{cid}")))
    if (kind in ("single", "multi")) != bool(choices):
        raise DefinitionError(f"{where}: choices belong to single and multi questions (at least two)")
    if kind in ("single", "multi") and len(choices) < 2:
        raise DefinitionError(f"{where}: at least two choices")
    low, high = _optional_texts(raw, "low", where), _optional_texts(raw, "high", where)
    if kind in ("likert5", "nps") and (low is None or high is None):
        raise DefinitionError(f"{where}: {kind} needs labelled ends 'low' and 'high'")
    minimum, maximum = raw.get("min"), raw.get("max")
    if kind == "number" and (
        not isinstance(minimum, int | float) or not isinstance(maximum, int | float) or minimum > maximum
    ):
        raise DefinitionError(f"{where}: a number question needs bounds min ≤ max")
    max_length = int(raw.get("max_length", TEXT_LIMIT))
    if kind == "text" and not 1 <= max_length <= TEXT_LIMIT:
        raise DefinitionError(f"{where}: max_length must be 1–{TEXT_LIMIT}")
    return Question(
        id=qid,
        type=kind,
        text=_texts(raw.get("text"), f"{where}.text"),
        required=bool(raw.get("required", False)),
        hint=_optional_texts(raw, "hint", where),
        show_if=_condition(raw["show_if"], where, earlier) if "show_if" in raw else None,
        choices=tuple(choices),
        low=low,
        high=high,
        minimum=minimum,
        maximum=maximum,
        integer=bool(raw.get("integer", True)),
        max_length=max_length,
    )


def parse_definition(text: str, source: str = "<text>") -> Definition:
    """Read and validate one questionnaire file."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as problem:
        raise DefinitionError(f"{source}: not YAML ({problem})") from None
    if not isinstance(raw, dict):
        raise DefinitionError(f"{source}: expected a mapping")
    unknown = sorted(key for key in set(raw) - FILE_KEYS if not str(key).startswith("x-"))
    if unknown:
        raise DefinitionError(f"{source}: unknown keys {', '.join(map(str, unknown))}")
    name, version = str(raw.get("name", "")), raw.get("version")
    if not _NAME.match(name) or not isinstance(version, int) or version < 1:
        raise DefinitionError(f"{source}: needs a name (lower case letters, digits) and a version ≥ 1")
    earlier: dict[str, Question] = {}
    for number, item in enumerate(raw.get("questions") or ()):
        question = _question(item, f"{source}: questions[{number}]", earlier)
        earlier[question.id] = question
    if not earlier:
        raise DefinitionError(f"{source}: no questions")
    scores = raw.get("scores") or {}
    cuq = tuple(str(item) for item in scores.get("cuq") or ())
    if cuq and (len(cuq) != 16 or any(earlier.get(i) is None or earlier[i].type != "likert5" for i in cuq)):
        raise DefinitionError(f"{source}: scores.cuq must list 16 likert5 questions in the CUQ order")
    nps = scores.get("nps")
    if nps is not None and (earlier.get(str(nps)) is None or earlier[str(nps)].type != "nps"):
        raise DefinitionError(f"{source}: scores.nps must name an nps question")
    return Definition(
        name=name,
        version=version,
        title=_texts(raw.get("title"), f"{source}: title"),
        intro=_texts(raw.get("intro"), f"{source}: intro"),
        questions=tuple(earlier.values()),
        per_event=bool(raw.get("per_event", False)),
        cuq=cuq,
        nps=str(nps) if nps is not None else None,
        source=source,
    )


class Definitions:
    """Every questionnaire at every version; new responses use the newest version."""

    def __init__(self, definitions: list[Definition]) -> None:
        self.by_key = {(d.name, d.version): d for d in definitions}
        if len(self.by_key) != len(definitions):
            raise DefinitionError("a questionnaire version is defined twice")

    def get(self, name: str, version: int | None = None) -> Definition | None:
        """One version, or the newest of a name."""
        if version is not None:
            return self.by_key.get((name, version))
        versions = [d for (n, _), d in self.by_key.items() if n == name]
        return max(versions, key=lambda d: d.version) if versions else None

    def names(self) -> list[str]:
        """The questionnaire names, sorted."""
        return sorted({name for name, _ in self.by_key})

    def all(self) -> list[Definition]:
        """Every version, by name and version."""
        return [self.by_key[key] for key in sorted(self.by_key)]


def load_definitions(folder: Path = DEFINITIONS_DIR) -> Definitions:
    """Load and validate every ``*.yml`` in the folder; the file name must match name and version."""
    found = []
    for path in sorted(folder.glob("*.yml")):
        definition = parse_definition(path.read_text(encoding="utf-8"), path.name)
        if path.name != f"{definition.name}.v{definition.version}.yml":
            raise DefinitionError(f"{path.name}: name the file {definition.name}.v{definition.version}.yml")
        found.append(definition)
    return Definitions(found)


@lru_cache(maxsize=1)
def shipped() -> Definitions:
    """The questionnaires shipped with InterHub, loaded once per process."""
    return load_definitions()
