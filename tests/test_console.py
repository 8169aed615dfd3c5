"""The console channel, as a person (or a script) uses it: piped lines in, transcript out."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bot.handlers.onboarding import INVITATIONS_QUESTION
from core.i18n import translator


def chat(database: Path, lines: str, *args: str) -> str:
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{database}"}
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "chat", *args],
        input=lines,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def test_piped_onboarding_in_italian(tmp_path: Path) -> None:
    out = chat(tmp_path / "c.db", "/start\nItaliano\n", "--user", "42")

    _ = translator("it")
    assert _("Do you agree that InterHub stores your profile as described?") in out
    assert "[1] ✅ Accetto" in out


def test_piped_onboarding_in_arabic(tmp_path: Path) -> None:
    out = chat(tmp_path / "c.db", "/start\nالعربية\n", "--user", "42")

    assert translator("ar")("Do you agree that InterHub stores your profile as described?") in out


def test_buttons_can_be_pressed_by_number_and_state_survives_a_restart(tmp_path: Path) -> None:
    database = tmp_path / "c.db"
    chat(database, "/start\n2\n", "--user", "7", "--lang", "en")  # 2 = Italiano (English is preselected)

    out = chat(database, "1\n1\n1\n", "--user", "7")  # a new process: repeated, agreed, invitations on

    _ = translator("it")
    assert _("Please choose one of the buttons 👇 (or /cancel).") in out
    assert _(INVITATIONS_QUESTION) in out
    assert _("Thank you! In which country is (or will be) your business?") in out


def test_the_demo_mentors_are_proposed_and_a_toggled_keyboard_stays_usable(tmp_path: Path) -> None:
    database = tmp_path / "c.db"
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{database}"}
    for command in ("upgrade", "seed"):
        subprocess.run(
            [sys.executable, "-m", "bot.cli", "db", command], env=env, check=True, capture_output=True
        )
    lines = (
        "/start\nEnglish\n✅ I agree\nNo, thanks\n🇮🇹 Italy\nFood\n"
        "/mentoring\nI want help pricing my pastries\n"
        "Food\nالعربية\n✅ Done\n🇮🇹 Italy\nWeekday evenings\n"
    )

    out = chat(database, lines, "--user", "42")

    assert "[7] ✅ العربية" in out  # the keyboard changed in place and was offered again
    assert "1. 👤 Amina Haddad (demo)" in out
    assert "same sector · speaks English, العربية · in Italy · places free: 3 of 3" in out
