"""Over real HTTP: onboarding in Italian and Arabic, switching language, and handover to a coach."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.handlers.onboarding import INVITATIONS_QUESTION
from core.i18n import translator
from tests.e2e.conftest import BotRunner
from tests.fake_bot_api import FakeBotApi

USER = 31337
COACHES = -1001234


def replies(count: int) -> Callable[[FakeBotApi], bool]:
    return lambda server: len(server.sent(USER)) >= count


@pytest.mark.parametrize(("code", "name"), [("it", "Italiano"), ("ar", "العربية")])
async def test_onboarding_in_the_persons_language(
    fake_api: FakeBotApi,
    polling_bot: BotRunner,
    code: str,
    name: str,
) -> None:
    _ = translator(code)
    async with polling_bot():
        await fake_api.step(USER, "/start", language_code=code)
        assert next(iter(fake_api.buttons(USER))) == f"✅ {name}"
        await fake_api.step(USER, f"button:lang:{code}", language_code=code)
        await fake_api.step(USER, "button:consent:yes", language_code=code)
        await fake_api.step(USER, "button:invite:yes", language_code=code)

    texts = fake_api.texts(USER)
    assert _("Do you agree that InterHub stores your profile as described?") in texts[1]
    assert texts[2] == _(INVITATIONS_QUESTION)
    assert texts[3] == _("Thank you! In which country is (or will be) your business?")
    assert f"🇮🇹 {_('Italy')}" in fake_api.buttons(USER)


async def test_switching_language_changes_the_menu(fake_api: FakeBotApi, polling_bot: BotRunner) -> None:
    async with polling_bot():
        for action in ("/start", "button:lang:en", "button:consent:no", "/language", "button:setlang:de"):
            await fake_api.step(USER, action)

    _ = translator("de")
    assert fake_api.texts(USER)[-1].startswith(
        _("✅ I will write to you in {language}.").format(language="Deutsch")
    )
    assert _("⚙️ Settings") in fake_api.buttons(USER)


async def test_handover_end_to_end(fake_api: FakeBotApi, polling_bot: BotRunner) -> None:
    async with polling_bot(answering=True, coach_chat_id=COACHES) as app:
        await app.services.roles.grant(5, "coach")
        for action in (
            "/start",
            "button:lang:en",
            "button:consent:yes",
            "button:invite:no",
            "button:country:HR",
            "button:sector:food",
        ):
            await fake_api.step(USER, action)
        await fake_api.step(USER, "can my cousin help in my bakery on weekends without a contract?")
        fake_api.press(USER, "coach:ask")
        await fake_api.wait_for(lambda server: bool(server.sent(COACHES)))
        card = fake_api.sent(COACHES)[0]
        await fake_api.wait_for(replies(8))  # onboarding asks one more question: invitations

        coach_message = {
            "message_id": 900,
            "date": 1_790_000_000,
            "chat": {"id": COACHES, "type": "supergroup", "title": "Coaches"},
            "from": {"id": 5, "is_bot": False, "first_name": "Coach"},
            "text": "No: family members working regularly also need a contract and HZMO registration.",
            "reply_to_message": card.result,
        }
        fake_api.push({"update_id": 99999, "message": coach_message})
        await fake_api.wait_for(replies(9))
        await fake_api.wait_for(lambda server: len(server.sent(COACHES)) >= 2)

    assert "T-0001" in card.params["text"]
    assert "cousin" in card.params["text"]
    assert "T-0001" in fake_api.texts(USER)[7]
    assert "HZMO registration" in fake_api.texts(USER)[8]
    assert "answer delivered" in fake_api.sent(COACHES)[1].params["text"]
