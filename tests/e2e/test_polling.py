"""Transcripts over real HTTP: the real Application polls the fake Bot API on loopback."""

from __future__ import annotations

import json

from core.i18n import translator
from core.services import Services
from tests.e2e.conftest import BotRunner
from tests.fake_bot_api import FakeBotApi

USER = 4242


def replied(api: FakeBotApi, count: int) -> object:
    return lambda server: len(server.sent(USER)) >= count


async def test_onboarding_in_english_end_to_end(fake_api: FakeBotApi, polling_bot: BotRunner) -> None:
    async with polling_bot():
        await fake_api.step(USER, "/start")
        assert next(iter(fake_api.buttons(USER))) == "✅ English"
        for action in (
            "button:lang:en",
            "button:consent:yes",
            "button:invite:yes",
            "button:country:IT",
            "button:sector:design",
        ):
            await fake_api.step(USER, action)

    texts = fake_api.texts(USER)
    assert "Do you agree" in texts[1]
    assert "All set" in texts[-1]
    assert all(call.status == 200 for call in fake_api.calls if call.method == "answerCallbackQuery")
    assert set(fake_api.commands) >= {"", "en", "it", "ar"}


async def test_duplicate_update_is_processed_once(fake_api: FakeBotApi, polling_bot: BotRunner) -> None:
    async with polling_bot():
        update = fake_api.send_text(USER, "/help")
        await fake_api.wait_for(replied(fake_api, 1))
        fake_api.push(update)  # Telegram re-sends the same update_id after a timeout
        fake_api.send_text(USER, "/cancel")
        await fake_api.wait_for(replied(fake_api, 2))
        await fake_api.wait_idle()

    texts = fake_api.texts(USER)
    assert len(texts) == 2
    assert "/forget" in texts[0] and "nothing to cancel" in texts[1]


async def test_restart_in_the_middle_of_onboarding_resumes_at_the_same_step(
    fake_api: FakeBotApi, polling_bot: BotRunner
) -> None:
    async with polling_bot():
        await fake_api.step(USER, "/start")
        await fake_api.step(USER, "button:lang:en")
    consent_message = fake_api.last_with_buttons(USER)["message_id"]

    async with polling_bot():  # a new process: nothing in memory
        fake_api.press(USER, "consent:yes", message_id=consent_message)
        await fake_api.wait_for(replied(fake_api, 3))

    assert "invitations from the InterHub coaches" in fake_api.texts(USER)[-1]


async def test_mydata_sends_a_json_document(fake_api: FakeBotApi, polling_bot: BotRunner) -> None:
    async with polling_bot():
        await fake_api.step(USER, "/start")
        await fake_api.step(USER, "button:lang:en")
        fake_api.send_text(USER, "/mydata")
        await fake_api.wait_for(lambda server: bool(server.sent(USER, "sendDocument")))

    document = fake_api.sent(USER, "sendDocument")[0]
    data = json.loads(document.files["document"])
    assert document.params["document"]["file_name"] == "interhub-my-data.json"
    assert data["profile"]["telegram_id"] == USER
    assert data["profile"]["language"] == "en"


async def test_forget_deletes_the_person_after_confirmation(
    fake_api: FakeBotApi, polling_bot: BotRunner, services: Services
) -> None:
    async with polling_bot():
        await fake_api.step(USER, "/start")
        await fake_api.step(USER, "button:lang:en")
        fake_api.send_text(USER, "/forget")
        await fake_api.wait_for(replied(fake_api, 3))
        assert await services.users.find(USER) is not None
        fake_api.press(USER, "forget:yes")
        await fake_api.wait_for(replied(fake_api, 4))
        await fake_api.wait_idle()

    assert "has been deleted" in fake_api.texts(USER)[-1]
    assert await services.users.find(USER) is None
    assert (await services.users.export(USER))["stored"] == "nothing"


async def test_rate_limit_429_is_retried_after_the_given_time(
    fake_api: FakeBotApi, polling_bot: BotRunner
) -> None:
    async with polling_bot():
        fake_api.fail_next("sendMessage", 429, retry_after=1)
        fake_api.send_text(USER, "/help")
        await fake_api.wait_for(replied(fake_api, 1))

    statuses = [call.status for call in fake_api.calls if call.method == "sendMessage"]
    assert statuses == [429, 200]


async def test_blocked_by_user_403_does_not_break_the_bot(
    fake_api: FakeBotApi, polling_bot: BotRunner
) -> None:
    async with polling_bot():
        fake_api.fail_next("sendMessage", 403)
        fake_api.send_text(USER, "/help")
        fake_api.send_text(USER, "/cancel")
        await fake_api.wait_for(replied(fake_api, 1))

    assert "nothing to cancel" in fake_api.texts(USER)[0]


async def test_server_error_leads_to_a_polite_apology(fake_api: FakeBotApi, polling_bot: BotRunner) -> None:
    async with polling_bot():
        fake_api.fail_next("sendMessage", 502)
        fake_api.send_text(USER, "/help")
        await fake_api.wait_for(replied(fake_api, 1))

    assert fake_api.texts(USER) == [
        translator("en")("😕 Sorry, something went wrong on our side. Please try again in a moment.")
    ]


async def test_user_text_with_html_reaches_telegram_escaped(
    fake_api: FakeBotApi, polling_bot: BotRunner
) -> None:
    async with polling_bot():
        fake_api.send_text(USER, "/x<i>&")
        await fake_api.wait_for(replied(fake_api, 1))

    assert "/x&lt;i&gt;&amp;" in fake_api.texts(USER)[0]
