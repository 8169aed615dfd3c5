"""Loading article files into models, strictly and tolerantly."""

from __future__ import annotations

import shutil
import time
from datetime import date
from pathlib import Path

import pydantic
import pytest

from knowledge.loader import ArticleError, load_articles, load_articles_tolerant, load_file
from knowledge.models import Article, Problem, Source

FLAT_TAX = "IT/finance/it-flat-rate-tax.yml"


def test_load_articles_reads_every_field(fixtures: Path) -> None:
    articles = {article.id: article for article in load_articles(fixtures / "valid")}

    article = articles["it-flat-rate-tax"]
    assert sorted(articles) == ["de-minijob", "it-flat-rate-tax"]
    assert (article.country, article.topic) == ("IT", "finance")
    assert (article.sectors, article.stage) == (("all",), ("starting",))
    assert article.related == ("de-minijob",)
    assert article.sources == (
        Source(
            publisher="Agenzia delle Entrate",
            title="Regime forfetario",
            url="https://www.agenziaentrate.gov.it/portale/regime-forfetario",
        ),
    )
    assert (article.reviewed, article.review_by) == (date(2026, 11, 21), date(2027, 6, 30))
    assert list(article.translations) == ["en", "it", "de", "sl", "hr", "hu"]
    assert article.translations["it"].title == "Regime forfettario"
    assert article.translations["en"].keywords == ("forfettario", "flat tax", "partita IVA")
    assert len(article.translations["de"].questions) == 4
    assert article.path == fixtures / "valid" / FLAT_TAX


def test_text_falls_back_to_english_for_a_missing_language(fixtures: Path) -> None:
    article = load_articles(fixtures / "valid")[0]
    english_only = article.model_copy(update={"translations": {"en": article.translations["en"]}})

    assert english_only.text("hu") == article.translations["en"]
    assert article.text("hu") == article.translations["hu"]


def test_articles_are_immutable(fixtures: Path) -> None:
    article = load_articles(fixtures / "valid")[0]

    with pytest.raises(pydantic.ValidationError):
        article.id = "it-other"


def test_strict_loader_raises_naming_file_and_field(fixtures: Path) -> None:
    with pytest.raises(ArticleError) as raised:
        load_articles(fixtures / "schema_missing_field")

    expected = (
        "1 problem(s) in the knowledge base:\n"
        f"tests/knowledge/fixtures/schema_missing_field/{FLAT_TAX}: review_by: required field is missing"
    )
    assert str(raised.value) == expected


def test_tolerant_loader_keeps_valid_articles_and_reports_broken_files(
    fixtures: Path, tmp_path: Path
) -> None:
    shutil.copytree(fixtures / "valid", tmp_path, dirs_exist_ok=True)
    broken = tmp_path / "IT/finance/it-broken.yml"
    broken.write_text("id: it-broken\n", encoding="utf-8")

    articles, problems = load_articles_tolerant(tmp_path)

    assert sorted(article.id for article in articles) == ["de-minijob", "it-flat-rate-tax"]
    assert [problem.field for problem in problems] == [
        "country", "topic", "sectors", "stage", "related", "sources", "reviewed", "review_by", "translations",
    ]  # fmt: skip
    assert {problem.path for problem in problems} == {broken}


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("yaml_syntax", [("yaml", "line 5, column 6: did not find expected ',' or ']'")]),
        ("duplicate_key", [("yaml", "line 4, column 1: key 'topic' appears twice")]),
        (
            "schema_enum",
            [
                ("sectors[0]", "'textiles' is not one of fashion, design, food, all"),
                ("stage[0]", "'dreaming' is not one of starting, running, hiring"),
            ],
        ),
        ("schema_missing_field", [("review_by", "required field is missing")]),
        (
            "schema_field_typo",
            [("review_by", "required field is missing"), ("review-by", "unknown field (check the spelling)")],
        ),
        ("schema_wrong_type", [("translations.de.keywords", "must be a list")]),
        ("schema_empty_text", [("translations.hu.title", "must not be empty")]),
        (
            "schema_unquoted_number",
            [("translations.en.keywords[2]", "must be text (put it in quotes), YAML read 2026")],
        ),
        ("unknown_language", [("translations", "unknown language si (use en, it, de, sl, hr, hu)")]),
        ("missing_english", [("translations", "'en' is required: it is the fallback for every language")]),
    ],
    ids=[
        "yaml_syntax_error_names_the_line",
        "yaml_key_given_twice",
        "value_outside_the_enum",
        "required_field_missing",
        "misspelt_field_name",
        "text_where_a_list_is_expected",
        "empty_text",
        "unquoted_number_where_text_is_expected",
        "unknown_language_code",
        "english_missing",
    ],
)
def test_invalid_file_is_reported_with_its_field(
    fixtures: Path, fixture: str, expected: list[tuple[str, str]]
) -> None:
    path = fixtures / fixture / FLAT_TAX

    article, problems = load_file(path)

    assert article is None
    assert problems == [Problem(path, field, message) for field, message in expected]


def test_empty_language_loads_as_missing(fixtures: Path) -> None:
    article, problems = load_file(fixtures / "empty_language" / FLAT_TAX)

    assert problems == []
    assert isinstance(article, Article)
    assert list(article.translations) == ["en", "it", "de", "sl", "hr"]


def test_missing_root_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_articles(tmp_path / "nowhere")


def test_loading_120_files_takes_well_under_a_second(fixtures: Path, tmp_path: Path) -> None:
    text = (fixtures / "valid" / FLAT_TAX).read_text(encoding="utf-8")
    folder = tmp_path / "IT/finance"
    folder.mkdir(parents=True)
    for number in range(120):
        (folder / f"it-copy-{number}.yml").write_text(text.replace("it-flat-rate-tax", f"it-copy-{number}"))

    started = time.perf_counter()
    articles = load_articles(tmp_path)
    elapsed = time.perf_counter() - started

    assert len(articles) == 120
    assert elapsed < 1.0
