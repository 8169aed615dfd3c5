"""Every checker rule fires on its broken fixture and stays silent on the valid one."""

from __future__ import annotations

import argparse
import re
from datetime import date
from pathlib import Path

import pytest

from knowledge.checker import check_articles, check_coverage, extract_numbers
from knowledge.cli import add_kb_commands, main
from knowledge.loader import load_articles
from knowledge.models import ALL_COUNTRIES, ALL_TOPICS, MIN_PER_TOPIC, Article, Problem, Severity

FLAT_TAX = "IT/finance/it-flat-rate-tax.yml"

RULES = {
    "id_equals_file_name": ("id_mismatch", "id: 'it-flat-tax' differs from the file name 'it-flat-rate-tax'"),
    "id_is_a_slug_starting_with_the_country": (
        "id_format",
        "id: 'flat_rate_tax' must be lowercase a-z0-9 and '-', starting 'it-'",
        "IT/finance/flat_rate_tax.yml",
    ),
    "id_unique": (
        "duplicate_id",
        "id: 'it-flat-rate-tax' is also the id of finance/it-flat-rate-tax.yml",
        "IT/legislation/it-flat-rate-tax.yml",
    ),
    "file_at_country_topic_depth": (
        "wrong_depth",
        "path: must be <COUNTRY>/<topic>/<id>.yml below the content folder",
        "IT/it-flat-rate-tax.yml",
    ),
    "only_yml_files": (
        "stray_file",
        "path: ignored: article files must end in .yml",
        "IT/finance/it-notes.yaml",
    ),
    "language_missing": ("missing_language", "translations.hu: language missing or empty"),
    "language_empty": ("empty_language", "translations.hu: language missing or empty"),
    "summary_over_limit": ("summary_too_long", "translations.en.summary: 392 characters, limit 300"),
    "body_over_limit": ("body_too_long", "translations.de.body: 1245 characters, limit 1200"),
    "at_least_4_questions": ("few_questions", "translations.sl.questions: 3 questions, at least 4"),
    "at_least_1_keyword": ("no_keywords", "translations.hr.keywords: no keywords, at least 1"),
    "numbers_equal_across_languages": (
        "numbers_differ",
        "translations.de: numbers differ from the other languages: missing 85,000; extra 58.000",
    ),
    "legislation_and_finance_end_with_not_legal_advice": (
        "legal_line",
        "translations.hr.body: must end with the not-legal-advice line (containing 'pravni savjet') "
        "naming an office",
    ),
    "source_url_absolute_http": (
        "bad_url",
        "sources[0].url: 'www.agenziaentrate.gov.it/portale/regime-forfetario' "
        "is not an absolute http(s) URL with a host",
    ),
    "schema_error_from_the_loader": ("schema_missing_field", "review_by: required field is missing"),
}


def lines(problems: list[Problem]) -> list[str]:
    return [str(problem) for problem in problems]


def test_valid_fixture_is_clean(fixtures: Path, today: date) -> None:
    assert check_articles(fixtures / "valid", today=today, coverage=False) == []


@pytest.mark.parametrize("rule", RULES)
def test_rule_fires_on_its_fixture(fixtures: Path, today: date, rule: str) -> None:
    fixture, message, *file = RULES[rule]
    path = f"tests/knowledge/fixtures/{fixture}/{file[0] if file else FLAT_TAX}"

    actual = lines(check_articles(fixtures / fixture, today=today, coverage=False))

    assert actual == [f"{path}: {message}"]


def test_country_and_topic_match_the_folders(fixtures: Path, today: date) -> None:
    path = "tests/knowledge/fixtures/folder_mismatch/DE/legislation/it-flat-rate-tax.yml"

    actual = lines(check_articles(fixtures / "folder_mismatch", today=today, coverage=False))

    assert actual == [
        f"{path}: country: IT but the file is in folder DE",
        f"{path}: topic: finance but the file is in folder legislation",
    ]


def test_related_ids_exist_and_are_not_the_article_itself(fixtures: Path, today: date) -> None:
    path = f"tests/knowledge/fixtures/broken_related/{FLAT_TAX}"

    actual = lines(check_articles(fixtures / "broken_related", today=today, coverage=False))

    assert actual == [
        f"{path}: related: 'it-missing-article' does not exist",
        f"{path}: related: 'it-flat-rate-tax' is the article itself",
    ]


def test_related_id_of_an_invalid_file_is_not_reported_again(
    fixtures: Path, today: date, tmp_path: Path
) -> None:
    text = (fixtures / "valid" / FLAT_TAX).read_text(encoding="utf-8")
    (tmp_path / "IT/finance").mkdir(parents=True)
    (tmp_path / FLAT_TAX).write_text(text)
    (tmp_path / "DE/hr").mkdir(parents=True)
    (tmp_path / "DE/hr/de-minijob.yml").write_text("id: de-minijob\n")

    actual = {problem.path.name for problem in check_articles(tmp_path, today=today, coverage=False)}

    assert actual == {"de-minijob.yml"}


def test_translation_in_another_language_is_reported(fixtures: Path, today: date) -> None:
    path = "tests/knowledge/fixtures/wrong_language/DE/hr/de-minijob.yml"

    actual = lines(check_articles(fixtures / "wrong_language", today=today, coverage=False))

    assert actual == [
        f"{path}: translations.it: summary and body read as 'en' (0.82), not 'it' (0.00)",
        f"{path}: translations.sl: summary and body read as 'hr' (0.90), not 'sl' (0.02)",
    ]


def test_reviewed_in_the_future_and_review_by_before_reviewed(fixtures: Path, today: date) -> None:
    path = f"tests/knowledge/fixtures/review_dates/{FLAT_TAX}"

    actual = lines(check_articles(fixtures / "review_dates", today=today, coverage=False))

    assert actual == [
        f"{path}: reviewed: 2027-01-10 is in the future",
        f"{path}: review_by: 2026-12-31 is not after reviewed 2027-01-10",
    ]


def test_past_review_by_is_only_a_warning(fixtures: Path, today: date) -> None:
    path = fixtures / "stale" / FLAT_TAX
    message = "review was due on 2026-11-30: check the facts against the sources"

    actual = check_articles(fixtures / "stale", today=today, coverage=False)

    assert actual == [Problem(path, "review_by", message, Severity.WARNING)]
    assert str(actual[0]) == f"tests/knowledge/fixtures/stale/{FLAT_TAX}: review_by: {message} (warning)"


@pytest.mark.parametrize(
    "spellings",
    [
        ("€85,000", "85.000 €", "85 000 €", "85\u00a0000 €", "85\u202f000 €", "85\u2009000 €"),
        ("4,460.64", "4.460,64", "4 460,64"),
        ("31 December 2026", "31.12.2026", "31. 12. 2026.", "2026. 12. 31.", "2026-12-31", "31/12/2026"),
    ],
    ids=["thousands_separators", "decimal_separators", "numeric_dates_keep_day_and_year"],
)
def test_numbers_are_compared_without_separators(spellings: tuple[str, ...]) -> None:
    normalised = [set(extract_numbers(spelling)) for spelling in spellings]

    assert normalised == [normalised[0]] * len(spellings)


def test_numbers_ignore_urls() -> None:
    assert extract_numbers("see https://example.org/page/123 and 5 %") == {"5": "5"}


def test_coverage_reports_each_short_country_topic(fixtures: Path, today: date) -> None:
    root = "tests/knowledge/fixtures/valid"

    actual = lines(check_articles(fixtures / "valid", today=today))

    assert len(actual) == 4 * 5 + 5 + 1
    assert f"{root}/IT/finance: coverage: 1 articles, at least 5" in actual
    assert f"{root}/DE/legislation: coverage: 0 articles, at least 5" in actual
    assert f"{root}/HU/support: coverage: 0 support articles, exactly 1" in actual
    assert f"{root}/EU: coverage: no EU articles" in actual


def full_coverage(template: Article) -> list[Article]:
    """Copies of ``template``: 5 per country × main topic, 1 support each, and the EU likewise."""
    return [
        template.model_copy(update={"country": country, "topic": topic})
        for country in ALL_COUNTRIES
        for topic in ALL_TOPICS
        for _ in range(1 if topic == "support" else MIN_PER_TOPIC)
    ]


def test_coverage_is_met_by_5_per_main_topic_1_support_and_an_eu_article(fixtures: Path) -> None:
    articles = full_coverage(load_articles(fixtures / "valid")[0])

    assert list(check_coverage(articles, fixtures)) == []


def test_two_support_articles_break_coverage(fixtures: Path) -> None:
    template = load_articles(fixtures / "valid")[0]
    articles = [*full_coverage(template), template.model_copy(update={"country": "SI", "topic": "support"})]

    actual = lines(list(check_coverage(articles, fixtures)))

    assert actual == ["tests/knowledge/fixtures/SI/support: coverage: 2 support articles, exactly 1"]


def test_kb_check_prints_errors_then_warnings_then_summary_and_exits_1(
    fixtures: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_with_review_by(fixtures / "broken_related" / FLAT_TAX, tmp_path / FLAT_TAX, date.today())

    exit_code = main(["check", "--no-coverage", "--root", str(tmp_path)])

    output = [line.split(": ", 1)[-1] for line in capsys.readouterr().out.splitlines()]
    assert exit_code == 1
    assert output == [
        "related: 'it-missing-article' does not exist",
        "related: 'it-flat-rate-tax' is the article itself",
        f"review_by: review was due on {date.today()}: check the facts against the sources (warning)",
        "1 files, 2 errors, 1 warnings",
    ]


def test_kb_check_exits_0_on_warnings_only(
    fixtures: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_with_review_by(fixtures / "stale" / FLAT_TAX, tmp_path / FLAT_TAX, date.today())

    exit_code = main(["check", "--no-coverage", "--root", str(tmp_path)])

    assert exit_code == 0
    assert capsys.readouterr().out.splitlines()[-1] == "kb check: 1 files, 0 errors, 1 warnings"


def write_with_review_by(source: Path, target: Path, review_by: date) -> None:
    """Copy an article, moving its review dates so that ``review_by`` falls on the given day."""
    text = source.read_text(encoding="utf-8")
    text = re.sub(r"reviewed: \S+", "reviewed: 2020-01-01", text)
    text = re.sub(r"review_by: \S+", f"review_by: {review_by}", text)
    target.parent.mkdir(parents=True)
    target.write_text(text, encoding="utf-8")


def test_kb_subcommand_is_added_to_the_console_script_parser(fixtures: Path) -> None:
    parser = argparse.ArgumentParser(prog="interhub")
    add_kb_commands(parser.add_subparsers(dest="command", required=True))

    args = parser.parse_args(["kb", "check", "--no-coverage", "--root", str(fixtures / "valid")])

    assert (args.coverage, args.root, args.func(args)) == (False, fixtures / "valid", 0)
