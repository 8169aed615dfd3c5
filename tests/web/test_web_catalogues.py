"""The dashboard's catalogues (domain ``web``: its code, templates and the report texts) are complete in
en, it, de, sl, hr, hu and match the code; the bot's catalogues do not carry the report texts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

import web.i18n
from core.i18n import LOCALES_DIR, MissingCatalogError, translator
from tests.catalogue_checks import catalogue_problems
from web.format import label
from web.i18n import WEB_LANGUAGES, web_translator

ROOT = Path(__file__).resolve().parents[2]


def load(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


TEMPLATE = {message.id for message in load(LOCALES_DIR / "web.pot") if message.id}


@pytest.mark.parametrize("lang", WEB_LANGUAGES)
def test_web_catalogue_is_complete_and_clean(lang: str) -> None:
    catalogue = load(LOCALES_DIR / lang / "LC_MESSAGES" / "web.po")

    assert catalogue_problems(catalogue, TEMPLATE, lang) == []


def test_web_template_matches_the_code_and_templates(tmp_path: Path) -> None:
    fresh = tmp_path / "web.pot"
    extract = [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel-web.cfg", "-k", "N_"]
    subprocess.run(
        [*extract, "--no-location", "-o", str(fresh), "."],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    in_code = {message.id for message in load(fresh) if message.id}

    assert sorted(in_code ^ TEMPLATE) == [], "run 'make extract' and translate the new strings in web.po"
    assert "Questions by topic" in in_code  # a report text (actions/reports) is in this domain
    assert "Download CSV" in in_code  # and a template's


def test_the_report_texts_are_not_in_the_bots_catalogues() -> None:
    bot = {message.id for message in load(LOCALES_DIR / "messages.pot") if message.id}

    assert "Questions by topic" not in bot and "Download CSV" not in bot


@pytest.mark.parametrize("lang", [lang for lang in WEB_LANGUAGES if lang != "en"])
def test_compiled_web_catalogue_translates(lang: str) -> None:
    assert web_translator(lang)("Questions by topic") != "Questions by topic"


def test_the_dashboard_uses_the_one_gettext_loader_of_core() -> None:
    assert web_translator("de") is translator("de", "web")  # the same cached texts, not a second loader
    assert web_translator("de")("Download CSV") == translator("de", "web")("Download CSV") != "Download CSV"
    assert translator("de")("Download CSV") == "Download CSV"  # the bot's domain does not carry it
    assert not hasattr(web.i18n, "_catalog") and "gettext" not in vars(web.i18n)


def test_a_missing_domain_is_named_in_the_error() -> None:
    with pytest.raises(MissingCatalogError, match="'nowhere'"):
        translator("de", "nowhere")


@pytest.mark.parametrize(
    ("lang", "legislation"), [("it", "Normativa"), ("de", "Recht"), ("hu", "Jogszabályok")]
)
def test_topic_codes_are_shown_by_name_and_stay_codes_elsewhere(lang: str, legislation: str) -> None:
    _ = web_translator(lang)

    assert label("topic", "legislation", _) == legislation
    assert label("topic", "hr", _) != "hr"
    assert label("article", "legislation", _) == "legislation"  # only the topic column names topics
