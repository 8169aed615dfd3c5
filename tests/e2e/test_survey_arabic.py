"""Over real HTTP, in Arabic: the whole InterHub evaluation, with the bot process killed (SIGKILL) in the
middle. No answer is lost and no answered question is asked again; the new process continues."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from actions.surveys.definitions import shipped
from core.i18n import translator
from core.services import Services
from tests.fake_bot_api import FakeBotApi

USER = 7001
ROOT = Path(__file__).resolve().parents[2]
KILL_AFTER = 12  # answers given by the first process


def _start(url: str, api: FakeBotApi) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.bot_process", url, api.base_url],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def _ready(api: FakeBotApi) -> None:
    before = len([c for c in api.calls if c.method == "getUpdates"])
    await api.wait_for(lambda s: len([c for c in s.calls if c.method == "getUpdates"]) > before, timeout=60)


def _answer_for(question: Any, buttons: dict[str, str]) -> str:
    """The button data of a plausible answer: 4 on scales (9 on NPS), the first choice."""
    data = list(buttons.values())
    if question.type == "likert5":
        return next(d for d in data if d.endswith(":4"))
    if question.type == "nps":
        return next(d for d in data if d.endswith(":9"))
    return data[0]


async def test_the_evaluation_in_arabic_survives_kill_9(
    fake_api: FakeBotApi, database_url: str, services: Services
) -> None:
    _ = translator("ar")
    evaluation = shipped().get("evaluation")
    assert evaluation is not None
    texts_ar = [q.text["ar"] for q in evaluation.questions]

    first = _start(database_url, fake_api)
    try:
        await _ready(fake_api)
        await fake_api.step(USER, "/start", language_code="ar")
        for action in (
            "button:lang:ar",
            "button:consent:yes",
            "button:invite:yes",
            "button:country:IT",
            "button:sector:food",
        ):
            await fake_api.step(USER, action, language_code="ar")
        await fake_api.step(USER, "/feedback", language_code="ar")
        for number in range(KILL_AFTER):
            assert f"{number + 1}/25" in fake_api.texts(USER)[-1]
            question = evaluation.questions[number]
            choice = _answer_for(question, fake_api.buttons(USER))
            await fake_api.step(USER, "button:" + choice, language_code="ar")
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()

    stored = await services.surveys.records("evaluation", 1)
    assert len(stored[0].answers) == KILL_AFTER  # every answer given before the kill is kept

    second = _start(database_url, fake_api)
    try:
        await _ready(fake_api)
        assert f"{KILL_AFTER + 1}/25" in fake_api.texts(USER)[-1]
        # The last button pressed before the kill, again: refused politely, the open question is shown.
        await fake_api.step(USER, "button:" + choice, language_code="ar")
        assert f"{KILL_AFTER + 1}/25" in fake_api.texts(USER)[-1]
        # Continue on the last question's buttons, sent by the killed process.
        for number in range(KILL_AFTER, 23):
            question = evaluation.questions[number]
            await fake_api.step(
                USER, "button:" + _answer_for(question, fake_api.buttons(USER)), language_code="ar"
            )
        features = fake_api.buttons(USER)
        assert "24/25" in fake_api.texts(USER)[-1]
        toggles = [d for d in features.values() if d.startswith("sv:t:")]
        for data in toggles[:2]:
            fake_api.press(USER, data, language_code="ar")
            await fake_api.wait_idle()
        done = next(d for d in fake_api.buttons(USER).values() if d.startswith("sv:d:"))
        await fake_api.step(USER, "button:" + done, language_code="ar")
        assert "25/25" in fake_api.texts(USER)[-1]
        await fake_api.step(USER, "أحتاج معلومات أكثر عن الضرائب في ألمانيا", language_code="ar")
        thanks = fake_api.texts(USER)[-1]
        await fake_api.step(USER, "/feedback", language_code="ar")
        repeat = fake_api.texts(USER)[-1]
    finally:
        second.send_signal(signal.SIGKILL)
        second.wait()

    assert thanks.startswith(_("🙏 Thank you! Your answers are saved. They help us make InterHub better."))
    assert _("You have already answered this questionnaire. Thank you very much!") in repeat
    asked = [t for t in fake_api.texts(USER) if "/25" in t]
    for number, text in enumerate(texts_ar):  # no answered question is asked again after the restart
        expected = 2 if number == KILL_AFTER else 1  # the open one, shown again after the stale press
        assert sum(1 for t in asked if text in t) == expected, text
    [record] = await services.surveys.records("evaluation", 1)
    assert record.status == "submitted" and record.language == "ar"
    assert len(record.answers) == 25 and record.answers["missing"].startswith("أحتاج")
    assert record.answers["recommend"] == 9 and record.answers["features"] == [
        c.id for c in evaluation.questions[23].choices[:2]
    ]
    assert (record.country, record.sector) == ("IT", "food")
