"""``interhub broadcast …`` on a real database: create, send --no-wait, status, pause, resume, cancel."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from bot.cli import main
from core.services import Services
from tests.test_broadcasts import person


def test_broadcast_commands(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)

    async def people() -> None:
        services = Services.from_url(database_url)
        try:
            for chat, country in ((1, "IT"), (2, "IT"), (3, "DE")):
                await person(services, chat, country=country)
        finally:
            await services.db.dispose()

    asyncio.run(people())
    text = tmp_path / "message.txt"
    text.write_text("Ciao! Nuovo workshop a Milano.", encoding="utf-8")

    assert main(["broadcast", "create", "--text-file", str(text), "--segment", "country=IT,language=it"]) == 0
    assert "2 recipients" in capsys.readouterr().out
    assert main(["broadcast", "create", "--text-file", str(text), "--language", "it", "--json"]) == 0
    created = json.loads(capsys.readouterr().out)
    assert created["recipients"] == 3

    assert main(["broadcast", "send", str(created["id"])]) == 2  # no TELEGRAM_BOT_TOKEN
    assert "TELEGRAM_BOT_TOKEN" in capsys.readouterr().err
    assert main(["broadcast", "send", str(created["id"]), "--no-wait"]) == 0
    assert "3 messages queued" in capsys.readouterr().out
    assert main(["broadcast", "pause", str(created["id"])]) == 0
    assert main(["broadcast", "resume", str(created["id"])]) == 0
    capsys.readouterr()
    assert main(["broadcast", "status", str(created["id"]), "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert {k: status[k] for k in ("state", "total", "sent", "failed", "unreachable", "pending")} == {
        "state": "sending",
        "total": 3,
        "sent": 0,
        "failed": 0,
        "unreachable": 0,
        "pending": 3,
    }
    assert main(["broadcast", "cancel", str(created["id"])]) == 0
    assert main(["broadcast", "resume", str(created["id"])]) == 2
    assert "cancelled" in capsys.readouterr().err
    assert main(["broadcast", "status", str(created["id"])]) == 0
    assert "cancelled" in capsys.readouterr().out

    assert main(["broadcast", "create", "--text-file", str(text), "--segment", "country=FR"]) == 2
    assert main(["broadcast", "create", "--text-file", str(tmp_path / "missing.txt")]) == 2
    assert main(["broadcast", "status", "999"]) == 2
