"""``interhub ask``: the one-shot interface used by evaluation tools (its JSON shape is a contract)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

FIELDS = {
    "id",
    "language",
    "intent",
    "confidence",
    "answered",
    "articles",
    "answer",
    "sources",
    "machine_translated",
}


def ask(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'ask.db'}"}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "ask", *args], env=env, capture_output=True, text=True, timeout=180
    )


def test_batch_answers_every_line_in_order(tmp_path: Path) -> None:
    batch = tmp_path / "q.jsonl"
    lines = [
        {"id": "a", "q": "quanto si paga di INPS come artigiano?", "country": "IT"},
        {"id": 2, "q": "wer gewinnt heute das Spiel?", "country": "DE"},
        {"id": "c", "q": "كيف أسجل نشاطي التجاري في ألمانيا؟", "country": "DE", "lang": "ar"},
    ]
    batch.write_text(
        "\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n", encoding="utf-8"
    )

    result = ask(tmp_path, "--batch", str(batch), "--json")

    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["id"] for row in out] == ["a", 2, "c"]
    assert all(set(row) >= FIELDS for row in out)
    assert out[0]["language"] == "it" and out[0]["answered"] is True
    assert out[0]["articles"][0]["id"].startswith("it-inps")
    assert {"title", "url"} <= set(out[0]["sources"][0])
    assert out[1]["answered"] is False and out[1]["articles"] == []
    assert out[2]["language"] == "ar"
    assert out[2]["articles"][0]["id"].startswith("de-")


def test_single_question_as_json(tmp_path: Path) -> None:
    result = ask(tmp_path, "--country", "SI", "--lang", "sl", "--json", "koliko je minimalna plača?")

    row = json.loads(result.stdout)
    assert set(row) >= FIELDS
    assert row["articles"][0]["id"] == "si-minimum-wage-2026"


def test_usage_errors_are_one_line_and_non_zero(tmp_path: Path) -> None:
    result = ask(tmp_path)

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
