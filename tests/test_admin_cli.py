"""Operator commands whose names and JSON other tools depend on: users, jobs, worker."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


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


def test_users_grant_list_and_revoke(tmp_path: Path) -> None:
    granted = interhub(tmp_path, "users", "grant", "4242", "coach", "--countries", "IT,DE")
    interhub(tmp_path, "users", "grant", "4242", "partner")
    interhub(tmp_path, "users", "grant", "77", "admin")
    listed = interhub(tmp_path, "users", "list", "--json")
    coaches = interhub(tmp_path, "users", "list", "--role", "coach", "--json")
    revoked = interhub(tmp_path, "users", "revoke", "4242", "coach")
    after = interhub(tmp_path, "users", "list", "--json")

    assert granted.returncode == 0, granted.stderr
    people = json.loads(listed.stdout)
    assert [(p["telegram_id"], p["roles"]) for p in people] == [(77, ["admin"]), (4242, ["coach", "partner"])]
    assert people[1]["countries"] == {"coach": ["DE", "IT"], "partner": []}
    assert people[1]["pseudonym"].startswith("u_")
    assert [p["telegram_id"] for p in json.loads(coaches.stdout)] == [4242]
    assert revoked.returncode == 0
    assert [p["roles"] for p in json.loads(after.stdout)] == [["admin"], ["partner"]]


def test_an_unknown_country_or_role_is_refused_with_one_line(tmp_path: Path) -> None:
    country = interhub(tmp_path, "users", "grant", "1", "coach", "--countries", "FR")
    role = interhub(tmp_path, "users", "grant", "1", "boss")

    assert country.returncode == 2 and country.stderr.strip() == (
        "interhub: unknown country 'FR'; use IT, DE, SI, HR, HU"
    )
    assert role.returncode == 2 and "invalid choice: 'boss'" in role.stderr


def test_the_worker_runs_due_jobs_once_and_jobs_list_shows_them(tmp_path: Path) -> None:
    ran = interhub(tmp_path, "worker", "--once")
    jobs = json.loads(interhub(tmp_path, "jobs", "list", "--json").stdout)
    pending = json.loads(interhub(tmp_path, "jobs", "list", "--state", "pending", "--json").stdout)

    assert ran.returncode == 0, ran.stderr
    assert [(j["kind"], j["state"]) for j in jobs] == [("privacy.retention", "pending")]
    assert pending == jobs
    assert set(jobs[0]) >= {"id", "kind", "state", "due_at", "attempts", "last_error"}


def test_a_broken_questionnaire_file_stops_a_command_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from actions.surveys import definitions
    from bot import cli

    folder = tmp_path / "surveys"
    folder.mkdir()
    broken = "name: evaluation\nversion: 1\nquestions: []\n"
    (folder / "evaluation.v1.yml").write_text(broken, encoding="utf-8")
    real = definitions.load_definitions
    monkeypatch.setattr(definitions, "load_definitions", lambda: real(folder))
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/c.db")
    definitions.shipped.cache_clear()
    try:
        code = cli.main(["users", "list"])
    finally:
        definitions.shipped.cache_clear()

    error = capsys.readouterr().err.strip()
    assert code == 2
    assert error.startswith("interhub: invalid questionnaire: evaluation.v1.yml")
    assert "\n" not in error and "Traceback" not in error
