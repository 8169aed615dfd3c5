"""Read every ``<COUNTRY>/<topic>/<id>.yml`` file under the content folder into :class:`Article`s."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from knowledge.models import Article, Problem

CONTENT_DIR = Path(__file__).resolve().parent / "content"

# libyaml parses several times faster; the pure-Python loader is the fallback.
_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_MESSAGES = {
    "missing": "required field is missing",
    "extra_forbidden": "unknown field (check the spelling)",
    "string_too_short": "must not be empty",
    "too_short": "must not be empty",
    "string_type": "must be text (put it in quotes)",
    "tuple_type": "must be a list",
    "dict_type": "must be a mapping of fields",
    "model_type": "must be a mapping of fields",
    "date_type": "must be a date like 2026-11-21",
    "date_from_datetime_parsing": "must be a date like 2026-11-21",
    "date_from_datetime_inexact": "must be a date like 2026-11-21",
    "date_parsing": "must be a date like 2026-11-21",
}


class ArticleError(ValueError):
    """Raised by :func:`load_articles` when a file is invalid; the message lists every problem."""


class _UniqueKeyLoader(_BaseLoader):  # type: ignore[misc]
    """Safe YAML loader that rejects a key given twice (PyYAML silently keeps the last one)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} appears twice", key_node.start_mark
                )
            seen.add(key)
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return mapping


def load_articles(root: Path = CONTENT_DIR) -> list[Article]:
    """Load every article under ``root``.

    Raises:
        ArticleError: if any file is not valid YAML or does not match the schema.
    """
    articles, problems = load_articles_tolerant(root)
    if problems:
        lines = "\n".join(str(problem) for problem in problems)
        raise ArticleError(f"{len(problems)} problem(s) in the knowledge base:\n{lines}")
    return articles


def load_articles_tolerant(root: Path = CONTENT_DIR) -> tuple[list[Article], list[Problem]]:
    """Load what can be loaded under ``root`` and describe every file that cannot."""
    if not root.is_dir():
        raise FileNotFoundError(f"knowledge content folder not found: {root}")
    articles: list[Article] = []
    problems: list[Problem] = []
    for path in sorted(root.rglob("*.yml")):
        article, file_problems = load_file(path)
        problems.extend(file_problems)
        if article is not None:
            articles.append(article)
    return articles, problems


def load_file(path: Path) -> tuple[Article | None, list[Problem]]:
    """Parse one article file into an :class:`Article`, or return why it cannot be."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        return None, [Problem(path, "yaml", f"{where}{error.problem or error.context}")]
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        return None, [Problem(path, "yaml", str(error))]
    if not isinstance(data, dict):
        return None, [Problem(path, "yaml", "the file must be a mapping of fields (id, country, ...)")]
    try:
        return Article.model_validate({**data, "path": path}), []
    except ValidationError as error:
        details = error.errors()
        # A list whose items are all invalid is also reported as empty; the item errors say more.
        failed = {detail["loc"][:-1] for detail in details}
        problems = [
            Problem(path, _field_name(detail["loc"]), _message(detail))
            for detail in details
            if not (detail["type"] == "too_short" and detail["loc"] in failed)
        ]
        return None, problems


def _field_name(location: tuple[int | str, ...]) -> str:
    """Turn pydantic's ``('sources', 0, 'url')`` into ``sources[0].url``."""
    name = ""
    for part in location:
        name += f"[{part}]" if isinstance(part, int) else f".{part}" if name else str(part)
    return name or "file"


def _message(detail: ErrorDetails) -> str:
    """Return a short message a content writer can act on."""
    if detail["type"] == "value_error":
        return str(detail.get("ctx", {}).get("error", detail["msg"]))
    message = _MESSAGES.get(detail["type"], detail["msg"])
    # YAML turns unquoted 2026, no or 12:30 into a number, a boolean or 750: show what it read.
    return f"{message}, YAML read {detail['input']!r}" if detail["type"] == "string_type" else message
