"""Over real HTTP: a mentoring request, the coaches' card, approval by a coach, and the introductions in each
person's language through the worker and the bot's notifier."""

from __future__ import annotations

from actions.job_handlers import job_handlers
from actions.worker import JobContext, Worker
from bot.notifier import TelegramNotifier
from core.i18n import translator
from tests.e2e.conftest import BotRunner
from tests.fake_bot_api import FakeBotApi
from tests.test_mentoring import mentor

PERSON, MENTOR, COACH = 41001, 41002, 41003
COACHES = -1004321


async def test_request_approval_and_introductions_end_to_end(
    fake_api: FakeBotApi, polling_bot: BotRunner
) -> None:
    async with polling_bot(coach_chat_id=COACHES) as app:
        services = app.services
        await services.roles.grant(COACH, "coach", frozenset({"IT"}))
        for action in ("/start", "button:lang:it", "button:consent:no"):
            await fake_api.step(MENTOR, action, language_code="it")
        amina = await services.mentoring.add_mentor(mentor(telegram_id=MENTOR))
        for action in (
            "/start",
            "button:lang:en",
            "button:consent:yes",
            "button:invite:yes",
            "button:country:IT",
            "button:sector:food",
            "/mentoring",
            "I need help pricing my cakes for cafés",
            "button:mr:sec:food",
        ):
            await fake_api.step(PERSON, action)
        fake_api.press(PERSON, "mr:lang:ar")  # toggles: the keyboard is edited, no new message
        await fake_api.wait_for(lambda server: bool(server.sent(PERSON, "editMessageReplyMarkup")))
        for action in ("button:mr:lang:done", "button:mr:cty:IT", "button:mr:av:evenings"):
            await fake_api.step(PERSON, action)
        proposals = fake_api.texts(PERSON)[-1]
        await fake_api.step(PERSON, f"button:mr:pick:{amina.id}")
        await fake_api.wait_for(lambda server: bool(server.sent(COACHES)))
        card = fake_api.sent(COACHES)[0]

        fake_api.press(COACHES, f"mc:ok:1:{amina.id}", message_id=card.result["message_id"], by=COACH)
        await fake_api.wait_for(lambda server: len(server.sent(COACHES)) >= 2)
        worker = Worker(
            services.jobs, job_handlers(), JobContext(services, TelegramNotifier(app.bot, services))
        )
        while await worker.run_once():
            pass
        await fake_api.wait_idle()
        request = await services.mentoring.get(1)

    assert "same sector · speaks English, العربية · in Italy · places free: 3 of 3" in proposals
    assert "M-0001 was sent to the coaches" in fake_api.texts(PERSON)[-2]
    assert "M-0001" in card.params["text"] and "pricing my cakes" in card.params["text"]
    edited = [c for c in fake_api.sent(COACHES, "editMessageText")]
    assert edited and "✅ Approved with <b>Amina Haddad</b>." in edited[-1].params["text"]
    assert "Both are introduced in their languages." in fake_api.texts(COACHES)[-1]
    assert "Good news! A coach approved your mentoring request M-0001" in fake_api.texts(PERSON)[-1]
    assert f'href="tg://user?id={MENTOR}"' in fake_api.texts(PERSON)[-1]
    to_mentor = fake_api.texts(MENTOR)[-1]
    assert translator("it")("Weekday evenings") in to_mentor and f'href="tg://user?id={PERSON}"' in to_mentor
    assert request is not None and request.state == "active"


async def test_a_coaches_chat_that_refuses_the_card_still_keeps_the_request(
    fake_api: FakeBotApi, polling_bot: BotRunner
) -> None:
    async with polling_bot(coach_chat_id=COACHES) as app:
        await app.services.mentoring.add_mentor(mentor())
        for action in (
            "/start",
            "button:lang:en",
            "button:consent:no",
            "/mentoring",
            "button:mr:sec:food",
            "button:mr:lang:done",
            "button:mr:cty:IT",
            "button:mr:av:weekends",
        ):
            await fake_api.step(PERSON, action)
        await fake_api.wait_for(lambda server: "mr:pick:coach" in server.buttons(PERSON).values())
        fake_api.fail_next("sendMessage", 400, description="Bad Request: chat not found")  # the card
        await fake_api.step(PERSON, "button:mr:pick:coach")
        request = await app.services.mentoring.get(1)

    assert "M-0001 was sent to the coaches" in fake_api.texts(PERSON)[-1]
    assert request is not None and request.state == "requested" and request.coach_message_id is None
