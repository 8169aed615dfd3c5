"""Small pure functions: configuration, text cleaning, splitting, deep links, locale resolution."""

from __future__ import annotations

import subprocess
import sys

import pytest

from actions.deeplinks import DeepLink, parse_payload
from actions.text import MAX_TEXT_CHARS, TextKind, clean_text
from bot.messaging import TELEGRAM_LIMIT, esc, split_message
from core.i18n import normalise_language_code, resolve_language
from core.settings import ConfigError, load_settings


def test_defaults_need_no_configuration() -> None:
    config = load_settings(_env_file=None)

    assert config.database_url == "sqlite+aiosqlite:///./interhub.db"
    assert config.telegram_bot_token is None
    assert config.default_language == "en"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("PORT", "eighty"),
        ("PORT", "70000"),
        ("DATABASE_URL", "mysql://localhost/x"),
        ("TELEGRAM_BOT_TOKEN", "not-a-token"),
        ("DEFAULT_LANGUAGE", "xx"),
        ("LOG_LEVEL", "LOUD"),
        ("WEBHOOK_SECRET", "has spaces"),
        ("TELEGRAM_API_BASE_URL", "ftp://example"),
        ("COACH_CHAT_ID", "coaches"),
    ],
)
def test_invalid_value_names_the_variable(monkeypatch: pytest.MonkeyPatch, variable: str, value: str) -> None:
    monkeypatch.setenv(variable, value)

    with pytest.raises(ConfigError) as error:
        load_settings(_env_file=None)

    assert str(error.value).startswith(f"invalid configuration: {variable}: ")
    assert "\n" not in str(error.value)


def test_cli_exits_2_with_one_line_on_invalid_configuration() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "db", "upgrade"],
        env={"PORT": "eighty", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert "PORT" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        ("", TextKind.EMPTY),
        ("   \n ", TextKind.EMPTY),
        ("\u200b\u200c\u200d\ufeff", TextKind.EMPTY),
        ("x" * (MAX_TEXT_CHARS + 1), TextKind.TOO_LONG),
        ("a" * 10_000, TextKind.TOO_LONG),
        ("😀🎉👍", TextKind.NO_WORDS),
        ("?!…", TextKind.NO_WORDS),
        ("كيف أفتح مطعم في إيطاليا؟", TextKind.OK),
        ("\u202ehello\u202c", TextKind.OK),
        ("p iva 😀", TextKind.OK),
    ],
)
def test_clean_text_classifies_messages(raw: str, kind: TextKind) -> None:
    assert clean_text(raw).kind == kind


def test_clean_text_removes_invisible_characters_and_normalises() -> None:
    assert clean_text("  Gewerbe\u200banmeldung\u202e ").text == "Gewerbeanmeldung"
    assert clean_text("cafe\u0301").text == "café"


def test_short_messages_are_not_split() -> None:
    assert split_message("hello") == ["hello"]


def test_long_messages_split_at_paragraphs() -> None:
    first, second = "a" * 3000, "b" * 3000

    assert split_message(f"{first}\n\n{second}") == [first, second]


def test_a_single_huge_paragraph_is_split_within_the_limit() -> None:
    parts = split_message(("word " * 3000).strip())

    assert all(len(part) <= TELEGRAM_LIMIT for part in parts)
    assert " ".join(parts).split() == ["word"] * 3000


def test_escape_neutralises_html() -> None:
    assert esc("<b>&") == "&lt;b&gt;&amp;"


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ("event_42", DeepLink("event", "42")),
        ("mentoring", DeepLink("mentoring", None)),
        ("event_abc", None),
        ("hack_1", None),
        ("", None),
        (None, None),
        ("event_" + "1" * 80, None),
        ("EVENT_1", None),
    ],
)
def test_deep_links_are_parsed_strictly(payload: str | None, expected: DeepLink | None) -> None:
    assert parse_payload(payload) == expected


@pytest.mark.parametrize(
    ("stored", "telegram", "expected"),
    [
        ("de", "it", "de"),
        (None, "it-IT", "it"),
        (None, "zh-hans", "zh"),
        (None, "pt-BR", "en"),
        (None, None, "en"),
    ],
)
def test_locale_resolution(stored: str | None, telegram: str | None, expected: str) -> None:
    assert resolve_language(stored, telegram, "en") == expected


def test_unknown_telegram_language_is_not_supported() -> None:
    assert normalise_language_code("pt") is None
