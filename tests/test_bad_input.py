"""Bad input gets a polite reply in the person's language, nothing crashes, nothing personal is logged."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bot.context import InterHubApp
from bot.local_api import LocalBotApi
from core.i18n import translator
from tests.dialog import Dialog, joined

ONLY_TEXT = "Sorry, I can only read text messages for now. Please type your question."
PHOTO = [{"file_id": "p", "file_unique_id": "p1", "width": 90, "height": 90}]
CONTENT: dict[str, dict[str, Any]] = {
    "photo": {"photo": PHOTO},
    "voice": {"voice": {"file_id": "v", "file_unique_id": "v1", "duration": 3}},
    "sticker": {
        "sticker": {
            "file_id": "s",
            "file_unique_id": "s1",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "type": "regular",
        }
    },
    "location": {"location": {"latitude": 45.07, "longitude": 7.68}},
    "document": {"document": {"file_id": "d", "file_unique_id": "d1", "file_name": "contract.pdf"}},
    "video": {"video": {"file_id": "vi", "file_unique_id": "vi1", "width": 1, "height": 1, "duration": 1}},
    "contact": {"contact": {"phone_number": "+390000000", "first_name": "Someone"}},
}


async def italian(app: InterHubApp, api: LocalBotApi, *, finish: bool = True) -> Dialog:
    """A person who chose Italian (and, with finish, continued without a profile)."""
    chat = Dialog(app, api, language_code="it")
    await chat.say("/start")
    await chat.press_data("lang:it")
    if finish:
        await chat.press_data("consent:no")
    return chat


@pytest.mark.parametrize("kind", list(CONTENT))
async def test_unsupported_content_gets_a_polite_reply_in_the_persons_language(
    app: InterHubApp, api: LocalBotApi, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    chat = await italian(app, api)

    with caplog.at_level(logging.INFO):
        reply = joined(await chat.send_update(chat.message_update(CONTENT[kind])))

    assert reply == translator("it")(ONLY_TEXT)
    assert "42" not in caplog.text and "contract.pdf" not in caplog.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "a" * 10_000,
            (
                "Your message is too long: please keep it under {limit} character, one question at a time.",
                "Your message is too long: please keep it under {limit} characters, one question at a time.",
            ),
        ),
        ("\u200b\u200c\ufeff", "Your message looks empty. Please type your question."),
        ("😀🎉👍", "🙂 I can only read words. Please type your question."),
    ],
)
async def test_oversized_empty_and_emoji_only_messages(
    app: InterHubApp, api: LocalBotApi, text: str, expected: str | tuple[str, str]
) -> None:
    chat = await italian(app, api)
    _ = translator("it")

    reply = joined(await chat.say(text))

    said = _(expected) if isinstance(expected, str) else _.ngettext(*expected, 2000)
    assert reply == said.format(limit=2000)


async def test_right_to_left_text_is_handled_like_any_text(app: InterHubApp, api: LocalBotApi) -> None:
    chat = Dialog(app, api, language_code="ar")
    await chat.say("/start")
    await chat.press_data("lang:ar")
    await chat.press_data("consent:no")

    reply = joined(await chat.say("\u200fمرحبا، كيف أسجل مطعمي؟\u200f"))

    assert reply


@pytest.mark.parametrize(
    "data",
    [
        "country:XX",
        "lang:xx",
        "menu:admin",
        "forget:maybe",
        "setcountry:IT;DROP TABLE users",
        "x" * 64,
        ":",
        "é",
    ],
)
async def test_forged_or_unknown_button_data_is_answered_politely(
    app: InterHubApp, api: LocalBotApi, data: str
) -> None:
    chat = await italian(app, api)

    await chat.press_data(data)

    assert chat.alerts[-1] == translator("it")("This button is no longer valid. Please use /menu.")


async def test_a_button_from_another_step_is_not_accepted(app: InterHubApp, api: LocalBotApi) -> None:
    chat = await italian(app, api, finish=False)  # now at the consent step

    await chat.press_data("sector:food")

    assert chat.alerts[-1] == translator("it")("This button is no longer valid. Please use /menu.")


async def test_an_error_in_a_handler_is_logged_and_the_person_told(
    app: InterHubApp, api: LocalBotApi, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat = await italian(app, api)

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(app.services.users, "export", broken)
    with caplog.at_level(logging.ERROR):
        reply = joined(await chat.say("/mydata"))

    assert reply == translator("it")(
        "😕 Sorry, something went wrong on our side. Please try again in a moment."
    )
    assert "database on fire" in caplog.text
    assert any(record.exc_info for record in caplog.records)
