"""What every gettext catalogue must satisfy, singular and plural entries alike (both domains use it)."""

from __future__ import annotations

import re

from babel.messages.catalog import Catalog, Message

PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
TAG = re.compile(r"</?[a-z]+>")


def _forms(message: Message) -> tuple[list[str], list[str]]:
    """(the English forms, the translated forms) of an entry: one each, or the plural's."""
    ids = [message.id] if isinstance(message.id, str) else list(message.id)
    strings = [message.string] if isinstance(message.string, str) else list(message.string or ())
    return ids, strings


def entry_problems(message: Message, num_plurals: int, lang: str) -> list[str]:
    """What is wrong with one entry: fuzzy, a form missing or empty, placeholders or tags that differ."""
    ids, strings = _forms(message)
    name = repr(ids[0])
    problems = [f"fuzzy: {name}"] if message.fuzzy else []
    wanted = 1 if len(ids) == 1 else num_plurals
    if len(strings) != wanted or not all(strings):
        return [*problems, f"empty or missing form ({len(strings)} of {wanted}): {name}"]
    # Every form is shown for some count, so every form carries the plural's placeholders and tags.
    for form in strings:
        if set(PLACEHOLDER.findall(ids[-1])) != set(PLACEHOLDER.findall(form)):
            problems.append(f"placeholders differ: {name} → {form!r}")
        if sorted(TAG.findall(ids[-1])) != sorted(TAG.findall(form)):
            problems.append(f"HTML tags differ: {name} → {form!r}")
    if len(ids) > 1 and lang != "en" and set(strings) <= set(ids):
        problems.append(f"plural left in English: {name}")
    return problems


def catalogue_problems(catalogue: Catalog, msgids: set[object], lang: str) -> list[str]:
    """Everything wrong with a catalogue against its template's msgids."""
    translated = {message.id: message for message in catalogue if message.id}
    problems = [f"missing: {msgid!r}" for msgid in sorted(msgids - set(translated), key=repr)]
    for message in translated.values():
        problems += entry_problems(message, catalogue.num_plurals, lang)
    return problems
