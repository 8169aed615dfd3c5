"""``interhub web-users add|list|disable|demo``: what an operator types, and what is refused."""

from __future__ import annotations

import argparse
import asyncio
import json
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from actions.models import LoginAttempt
from bot.cli import main
from bot.web_cli import cmd_add
from core.db import Database
from core.settings import load_settings
from web.accounts import AccountService, Outcome

ROOT = Path(__file__).resolve().parents[2]
Run = Callable[..., tuple[int, str, str]]


def interhub(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``interhub`` on a SQLite file of this test, offline."""
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/c.db",
    }
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Run:
    """``interhub`` in this process (faster than a new interpreter): exit code, stdout, last stderr line."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/c.db")
    monkeypatch.setenv("LOG_LEVEL", "WARNING")

    def interhub_here(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, (err.splitlines(keepends=True) or [""])[-1]

    return interhub_here


def last(stderr: str) -> str:
    """The line the operator reads (the migration logs its steps before it)."""
    return stderr.splitlines(keepends=True)[-1]


def sign_in(tmp_path: Path, email: str, password: str) -> Outcome:
    async def attempt() -> Outcome:
        db = Database(f"sqlite+aiosqlite:///{tmp_path}/c.db")
        try:
            return (await AccountService(db).sign_in(email, password, "127.0.0.1"))[0]
        finally:
            await db.dispose()

    return asyncio.run(attempt())


def test_add_list_and_disable(tmp_path: Path) -> None:
    (tmp_path / "pw").write_text("a long enough password\n", encoding="utf-8")

    added = interhub(
        tmp_path,
        "web-users",
        "add",
        "Partner@Example.org",
        "--role",
        "partner",
        "--countries",
        "it,DE",
        "--password-file",
        "pw",
    )
    interhub(tmp_path, "web-users", "add", "root@example.org", "--role", "admin", "--password-file", "pw")
    listed = json.loads(interhub(tmp_path, "web-users", "list", "--json").stdout)
    disabled = interhub(tmp_path, "web-users", "disable", "partner@example.org")
    after = interhub(tmp_path, "web-users", "list").stdout

    assert (added.returncode, added.stdout) == (0, "partner@example.org: dashboard partner (DE,IT)\n")
    assert [(a["email"], a["role"], a["countries"], a["disabled"]) for a in listed] == [
        ("partner@example.org", "partner", ["DE", "IT"], False),
        ("root@example.org", "admin", [], False),
    ]
    assert disabled.returncode == 0
    assert "partner@example.org  partner (DE,IT)  last sign-in never  disabled" in after
    assert sign_in(tmp_path, "partner@example.org", "a long enough password") is Outcome.WRONG
    assert sign_in(tmp_path, "root@example.org", "a long enough password") is Outcome.OK


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (["--role", "partner"], "interhub: a partner needs --countries (for example --countries IT,DE)\n"),
        (
            ["--role", "partner", "--countries", "IT,FR"],
            "interhub: unknown country 'FR'; use IT, DE, SI, HR, HU\n",
        ),
        (
            ["--role", "coach", "--countries", "IT"],
            "interhub: a coach sees every country; --countries is for partners\n",
        ),
    ],
)
def test_a_wrong_account_is_refused_with_one_line(
    run: Run, tmp_path: Path, args: list[str], problem: str
) -> None:
    (tmp_path / "pw").write_text("a long enough password", encoding="utf-8")

    code, _out, err = run("web-users", "add", "x@example.org", *args, "--password-file", str(tmp_path / "pw"))

    assert (code, err) == (2, problem)


def test_delete_erases_the_account_its_sessions_and_its_attempts(run: Run, tmp_path: Path) -> None:
    (tmp_path / "pw").write_text("a long enough password\n", encoding="utf-8")
    assert run("web-users", "add", "Gone@Example.org", "--role", "coach", "--password-file", "pw")[0] == 0
    assert sign_in(tmp_path, "gone@example.org", "a long enough password") is Outcome.OK
    assert sign_in(tmp_path, "gone@example.org", "a wrong password!") is Outcome.WRONG
    assert sign_in(tmp_path, "kept@example.org", "a wrong password!") is Outcome.WRONG

    code, out, _err = run("web-users", "delete", "GONE@example.org")
    again = run("web-users", "delete", "gone@example.org")

    assert (code, out) == (0, "GONE@example.org: deleted (0 sessions, 2 sign-in attempts)\n")
    assert again[0] == 2 and "no dashboard account gone@example.org" in again[2]
    assert "gone@example.org" not in run("web-users", "list")[1]

    async def attempts() -> list[str]:
        db = Database(f"sqlite+aiosqlite:///{tmp_path}/c.db")
        try:
            async with db.transaction() as session:
                return list((await session.scalars(select(LoginAttempt.email))).all())
        finally:
            await db.dispose()

    assert asyncio.run(attempts()) == ["kept@example.org"]  # someone else's attempts stay


def test_short_passwords_duplicates_and_unknown_accounts_are_refused(run: Run, tmp_path: Path) -> None:
    short, good = tmp_path / "short", tmp_path / "pw"
    short.write_text("short", encoding="utf-8")
    good.write_text("a long enough password", encoding="utf-8")

    too_short = run("web-users", "add", "x@example.org", "--role", "admin", "--password-file", str(short))
    run("web-users", "add", "x@example.org", "--role", "admin", "--password-file", str(good))
    again = run("web-users", "add", "X@example.org", "--role", "coach", "--password-file", str(good))
    missing = run("web-users", "disable", "nobody@example.org")

    assert (too_short[0], too_short[2]) == (2, "interhub: the password needs at least 10 characters\n")
    assert (again[0], again[2]) == (2, "interhub: x@example.org already has an account\n")
    assert (missing[0], missing[2]) == (2, "interhub: no dashboard account nobody@example.org\n")


def test_without_a_file_the_password_is_asked_twice_without_echo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = load_settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/c.db", _env_file=None)
    typed = iter(["typed password 1", "typed password 2", "typed password 1", "typed password 1"])
    prompts: list[str] = []

    def no_echo(prompt: str) -> str:  # the terminal is the outermost edge
        prompts.append(prompt)
        return next(typed)

    monkeypatch.setattr("getpass.getpass", no_echo)
    args = argparse.Namespace(email="c@example.org", role="coach", countries=None, password_file=None)

    assert cmd_add(args, config) == 2  # the two differ
    assert "the two passwords differ" in capsys.readouterr().err
    assert cmd_add(args, config) == 0
    assert prompts == ["Password: ", "Password again: "] * 2
    assert sign_in(tmp_path, "c@example.org", "typed password 1") is Outcome.OK


def test_demo_accounts_get_passwords_printed_once_and_written_to_a_private_file(
    run: Run, tmp_path: Path
) -> None:
    logins = tmp_path / "artefacts" / "demo-logins.txt"
    first = run("web-users", "demo", "--write", str(logins))
    lines = logins.read_text(encoding="utf-8").splitlines()
    second = run("web-users", "demo", "--write", str(logins))

    assert first[0] == 0 and all(line in first[1] for line in lines)
    assert stat.S_IMODE(logins.stat().st_mode) == 0o600
    accounts = {line.split()[0]: line.split("password: ")[1] for line in lines}
    assert set(accounts) == {"admin@demo.interhub.example", "partner-it-de@demo.interhub.example"}
    assert all(sign_in(tmp_path, email, password) is Outcome.OK for email, password in accounts.items())
    assert second[1] == f"demo dashboard accounts already exist; their passwords are in {logins}\n"
    assert logins.read_text(encoding="utf-8").splitlines() == lines

    logins.unlink()  # lost the file: new passwords, the old ones stop working
    assert run("web-users", "demo", "--write", str(logins))[0] == 0
    renewed = {line.split()[0]: line.split("password: ")[1] for line in logins.read_text().splitlines()}
    assert renewed.keys() == accounts.keys() and renewed != accounts
    old = accounts["admin@demo.interhub.example"]
    assert sign_in(tmp_path, "admin@demo.interhub.example", old) is Outcome.WRONG
