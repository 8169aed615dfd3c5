"""Every catalogue is complete, clean and consistent with the code."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from core.i18n import LOCALES_DIR, SUPPORTED_LANGUAGES, translator

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
TAG = re.compile(r"</?[a-z]+>")


def load(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


TEMPLATE = load(LOCALES_DIR / "messages.pot")
MSGIDS = {message.id for message in TEMPLATE if message.id}


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_catalogue_is_complete_and_clean(lang: str) -> None:
    catalogue = load(LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po")
    problems: list[str] = []
    translated = {message.id: message for message in catalogue if message.id}
    problems += [f"missing: {msgid!r}" for msgid in sorted(MSGIDS - set(translated))]
    for msgid, message in translated.items():
        assert isinstance(msgid, str)
        if message.fuzzy:
            problems.append(f"fuzzy: {msgid!r}")
        if not message.string:
            problems.append(f"empty: {msgid!r}")
            continue
        if set(PLACEHOLDER.findall(msgid)) != set(PLACEHOLDER.findall(str(message.string))):
            problems.append(f"placeholders differ: {msgid!r}")
        if sorted(TAG.findall(msgid)) != sorted(TAG.findall(str(message.string))):
            problems.append(f"HTML tags differ: {msgid!r}")
    assert problems == []


def test_template_matches_the_code(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "N_",
            "--no-location",
            "-o",
            str(fresh),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )

    in_code = {message.id for message in load(fresh) if message.id}

    assert sorted(in_code ^ MSGIDS) == [], "run 'make extract' and translate the new strings"


@pytest.mark.parametrize("lang", [lang for lang in SUPPORTED_LANGUAGES if lang != "en"])
def test_compiled_catalogue_translates(lang: str) -> None:
    msgid = "What would you like to do? Choose a topic or just type your question."

    assert translator(lang)(msgid) != msgid
