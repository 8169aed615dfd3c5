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
from tests.catalogue_checks import catalogue_problems

ROOT = Path(__file__).resolve().parent.parent


def load(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


TEMPLATE = load(LOCALES_DIR / "messages.pot")
MSGIDS = {message.id for message in TEMPLATE if message.id}


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_catalogue_is_complete_and_clean(lang: str) -> None:
    catalogue = load(LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po")

    assert catalogue_problems(catalogue, MSGIDS, lang) == []


PLURALS = {"ar": 6, "sl": 4, "hr": 3, "uk": 3, "de": 2, "fr": 2, "hu": 1, "zh": 1}


@pytest.mark.parametrize(("lang", "forms"), PLURALS.items())
def test_each_language_keeps_its_number_of_plural_forms(lang: str, forms: int) -> None:
    catalogue = load(LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po")
    plural = [m for m in catalogue if isinstance(m.id, tuple)]

    assert (catalogue.num_plurals, len(plural) > 10) == (forms, True)
    assert {len(m.string) for m in plural} == {forms}


def test_an_entry_with_a_missing_plural_form_is_caught() -> None:
    catalogue = Catalog(locale="sl")
    catalogue.add(("{count} seat", "{count} seats"), ("{count} mesto", "{count} mesti", "{count} mesta", ""))
    catalogue.add(("{days} day", "{days} days"), ("{days} dan", "dneva", "{days} dnevi", "{days} dni"))
    catalogue.add(("{n} file", "{n} files"), ("{n} file", "{n} files", "{n} file", "{n} files"))

    found = catalogue_problems(catalogue, set(), "sl")

    assert [problem.split(":")[0] for problem in found] == [
        "empty or missing form (4 of 4)",
        "placeholders differ",
        "plural left in English",
    ]


@pytest.mark.parametrize(
    ("lang", "counts", "expected"),
    [
        ("en", (1, 2, 5), ["👥 1 person now.", "👥 2 people now.", "👥 5 people now."]),
        ("sl", (1, 2, 3, 5, 101), ["1 oseba.", "2 osebi.", "3 osebe.", "5 oseb.", "101 oseba."]),
        ("uk", (1, 3, 5, 21), ["1 особа.", "3 особи.", "5 осіб.", "21 особа."]),
        ("hr", (1, 2, 11), ["1 osoba.", "2 osobe.", "11 osoba."]),
        ("ar", (2, 3, 11, 100), ["2 شخصان", "3 أشخاص", "11 شخصًا", "100 شخص"]),
    ],
)
def test_the_compiled_catalogue_picks_the_form_for_the_count(
    lang: str, counts: tuple[int, ...], expected: list[str]
) -> None:
    _ = translator(lang)
    said = [_.ngettext("👥 {count} person now.", "👥 {count} people now.", n).format(count=n) for n in counts]

    assert [text for text, tail in zip(said, expected, strict=True) if tail not in text] == []


def test_no_count_message_is_singular_only() -> None:
    """A msgid that puts a count before a noun is a plural entry (no "1 people")."""
    count_nouns = re.compile(
        r"\{(count|days|limit|languages)\} (people|persons|characters|days|seats|languages)\b"
    )
    singular_only = [m.id for m in TEMPLATE if isinstance(m.id, str) and count_nouns.search(m.id)]

    assert singular_only == []


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
