"""Mentoring in Telegram, as transcripts: the request conversation with and without consent, the coaches'
card (Approve, Pick another, Decline with a reason), introductions in each person's language through the
real worker, /mymentoring with Cancel, pausing a mentor, forged buttons and refusals."""

from __future__ import annotations

import itertools
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select, text
from telegram import Update

from actions.job_handlers import job_handlers
from actions.mentor_ranking import Wish
from actions.models import Base
from actions.worker import JobContext, Worker
from bot.app import build_application, prepare
from bot.context import InterHubApp
from bot.local_api import BOT_USER, LocalBotApi
from bot.notifier import TelegramNotifier
from core.i18n import translator
from core.services import Services
from core.settings import Settings
from tests.dialog import Dialog, joined
from tests.test_mentoring import mentor

COACHES = -100777
COACH, OTHER_COACH = 500, 501
EXPIRED = "This button is no longer valid. Please use /menu."
REFUSED = "Sorry, this command is only for the InterHub team."
_ids = itertools.count(900_000)


@pytest.fixture
async def coach_app(settings: Settings, services: Services, api: LocalBotApi) -> AsyncIterator[InterHubApp]:
    """The Application with a coaches' chat."""
    services.coach_chat_id = COACHES
    application = build_application(settings, services, request=api, rate_limit=False)
    async with application:
        await prepare(application)
        yield application


class CoachChat:
    """A coach acting in the coaches' group chat."""

    def __init__(self, app: InterHubApp, api: LocalBotApi, user_id: int) -> None:
        self.app, self.api, self.user_id = app, api, user_id
        self.alerts: list[str] = []

    def _user(self) -> dict[str, Any]:
        return {"id": self.user_id, "is_bot": False, "first_name": "Coach", "language_code": "en"}

    async def press(self, data: str, message_id: int = 1) -> list[str]:
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": COACHES, "type": "supergroup", "title": "Coaches"},
            "from": BOT_USER,
            "text": "…",
        }
        query = {
            "id": f"c{next(_ids)}",
            "from": self._user(),
            "chat_instance": "cc",
            "data": data,
            "message": message,
        }
        start = len(self.api.calls)
        await self.app.process_update(
            Update.de_json({"update_id": next(_ids), "callback_query": query}, self.app.bot)
        )
        calls = self.api.calls[start:]
        self.alerts += [c.params.get("text", "") for c in calls if c.method == "answerCallbackQuery"]
        return [c.params["text"] for c in calls if c.method in ("sendMessage", "editMessageText")]

    async def say(self, said: str) -> list[str]:
        message = {
            "message_id": next(_ids),
            "date": int(time.time()),
            "chat": {"id": COACHES, "type": "supergroup", "title": "Coaches"},
            "from": self._user(),
            "text": said,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(said.split()[0])}],
        }
        start = len(self.api.calls)
        await self.app.process_update(
            Update.de_json({"update_id": next(_ids), "message": message}, self.app.bot)
        )
        return [c.params["text"] for c in self.api.calls[start:] if c.method == "sendMessage"]


def cards(api: LocalBotApi) -> list[Any]:
    """What the bot posted to the coaches' chat."""
    return [c for c in api.calls if c.method == "sendMessage" and c.params.get("chat_id") == COACHES]


def buttons_of(call: Any) -> dict[str, str]:
    rows = (call.params.get("reply_markup") or {}).get("inline_keyboard", [])
    return {b["text"]: b["callback_data"] for row in rows for b in row}


async def onboarded(
    app: InterHubApp, api: LocalBotApi, user_id: int, *, lang: str = "en", consent: bool = True
) -> Dialog:
    person = Dialog(app, api, user_id=user_id, language_code=lang)
    await person.say("/start")
    await person.press_data(f"lang:{lang}")
    if consent:
        await person.press_data("consent:yes")
        await person.press_data("invite:yes")
        await person.press_data("country:IT")
        await person.press_data("sector:food")
    else:
        await person.press_data("consent:no")
    return person


async def run_jobs(app: InterHubApp, services: Services) -> None:
    """Run every due job through the real worker and the bot's notifier."""
    worker = Worker(services.jobs, job_handlers(), JobContext(services, TelegramNotifier(app.bot, services)))
    while await worker.run_once():
        pass


async def request_flow(person: Dialog, *, need: str | None) -> list[str]:
    """Walk the request conversation up to the proposals; return the proposals' texts."""
    await person.say("/mentoring")
    if need is not None:
        await person.say(need)
    await person.tap("Food")
    await person.tap("العربية")  # English is preselected, Arabic added
    await person.tap("✅ Done")
    await person.tap("🇮🇹 Italy")
    return await person.tap("Weekday evenings")


async def test_a_request_with_consent_reaches_the_coaches_and_an_approval_introduces_both(
    coach_app: InterHubApp, api: LocalBotApi, services: Services
) -> None:
    mentor_person = await onboarded(coach_app, api, 300, lang="it")
    amina = await services.mentoring.add_mentor(mentor(telegram_id=300))
    await services.mentoring.add_mentor(mentor(name="Mehmet", languages=("tr", "de"), countries=("DE",)))
    await services.roles.grant(COACH, "coach", frozenset({"IT"}))
    person = await onboarded(coach_app, api, 301)

    transcript = [
        ("/mentoring", "1/5 What would you like help with?"),
        ("short", "between 10 and 1000 characters"),
        ("x" * 1001, "between 10 and 1000 characters"),
        ("Pricing & <selling> my cakes to cafés", "2/5 In which sector"),
        ("food please", "choose one of the buttons above"),
    ]
    for said, expected in transcript:
        assert expected in joined(await person.say(said)), said
    assert "3/5" in joined(await person.tap("Food"))
    await person.tap("✅ English")  # unselect the preselected language …
    assert "English" in person.buttons()
    await person.tap("✅ Done")
    assert person.alerts[-1] == "Please choose at least one language."
    await person.tap("العربية")
    assert "4/5" in joined(await person.tap("✅ Done"))
    assert "5/5" in joined(await person.tap("🇮🇹 Italy"))
    proposals = joined(await person.tap("Weekday evenings"))
    sent = joined(await person.tap("Choose Amina Haddad"))

    assert "Here are the mentors who fit best" in proposals and "Mehmet" not in proposals
    assert "same sector · speaks العربية · in Italy · places free: 3 of 3" in proposals
    assert "✅ Your request M-0001 was sent to the coaches" in sent
    card = cards(api)[-1]
    profile = await services.users.find(301)
    assert profile is not None and profile.pseudonym in card.params["text"]
    assert (
        "Pricing &amp; &lt;selling&gt; my cakes" in card.params["text"] and "Amira" not in card.params["text"]
    )
    assert "Person's choice: Amina Haddad" in card.params["text"]
    assert (
        "1. <b>Amina Haddad</b> — same sector · speaks العربية · in Italy · places free: 3 of 3"
        in card.params["text"]
    )
    assert list(buttons_of(card)) == ["✅ Approve: Amina Haddad", "🔁 Pick another", "❌ Decline"]

    coach = CoachChat(coach_app, api, COACH)
    said = joined(await coach.press(buttons_of(card)["✅ Approve: Amina Haddad"], card.result["message_id"]))
    assert "M-0001 approved with Amina Haddad. Both are introduced" in said
    assert "✅ Approved with <b>Amina Haddad</b>." in said  # the card itself shows the outcome
    await run_jobs(coach_app, services)

    to_person = [
        c.params["text"] for c in api.calls if c.method == "sendMessage" and c.params["chat_id"] == 301
    ]
    to_mentor = [
        c.params["text"] for c in api.calls if c.method == "sendMessage" and c.params["chat_id"] == 300
    ]
    assert "Good news! A coach approved your mentoring request M-0001" in to_person[-1]
    assert 'href="tg://user?id=300"' in to_person[-1]
    italian = translator("it")
    assert italian("Weekday evenings") in to_mentor[-1] and 'href="tg://user?id=301"' in to_mentor[-1]
    assert "Pricing &amp; &lt;selling&gt;" in to_mentor[-1]
    mine = joined(await person.say("/mymentoring"))
    assert "M-0001: active" in mine and "Mentor: Amina Haddad" in mine
    assert list(person.buttons()) == ["🏁 Mentoring completed", "✖️ Cancel my request"]
    assert "marked as completed" in joined(await person.tap("🏁 Mentoring completed"))
    assert (await services.mentoring.mentor(amina.id)).taken == 0  # type: ignore[union-attr]
    await run_jobs(coach_app, services)
    ended = [c.params["text"] for c in api.calls if c.method == "sendMessage" and c.params["chat_id"] == 300][
        -1
    ]
    assert ended == italian("ℹ️ The mentoring {label} has ended ({state}). Thank you for your time!").format(
        label="M-0001", state=italian("completed")
    )
    del mentor_person


async def test_without_consent_the_need_is_neither_asked_nor_stored(
    coach_app: InterHubApp, api: LocalBotApi, services: Services
) -> None:
    await services.mentoring.add_mentor(mentor())
    person = await onboarded(coach_app, api, 310, consent=False)

    first = joined(await person.say("/mentoring"))
    await person.tap("Food")
    await person.tap("✅ Done")
    await person.tap("🇮🇹 Italy")
    await person.tap("Weekends")
    sent = joined(await person.tap("👥 Let the coach choose"))

    assert "will not store a description of your needs" in first and "2/5" in first and "1/5" not in first
    assert "was sent to the coaches" in sent
    card = cards(api)[-1].params["text"]
    assert "not stored: the person keeps no profile" in card and "Person's choice: the coach chooses" in card
    request = (await services.mentoring.requests_of((await services.users.find(310)).pseudonym))[0]  # type: ignore[union-attr]
    assert request.need is None and request.chosen_by_person is False


async def test_pick_another_and_decline_with_a_reason_in_the_person_s_language(
    coach_app: InterHubApp, api: LocalBotApi, services: Services
) -> None:
    await services.mentoring.add_mentor(mentor())
    other = await services.mentoring.add_mentor(
        mentor(name="Luca Bianchi", sectors=("fashion",), languages=("it",))
    )
    await services.roles.grant(COACH, "coach", frozenset({"IT"}))
    coach = CoachChat(coach_app, api, COACH)
    first = await onboarded(coach_app, api, 320)
    await request_flow(first, need="Help with my first shop")
    await first.tap("👥 Let the coach choose")
    card = cards(api)[-1]

    listing = joined(await coach.press(buttons_of(card)["🔁 Pick another"]))
    assert (
        "M-0001: choose the mentor" in listing
        and "2. <b>Luca Bianchi</b> — other sector · no shared language" in listing
    )
    said = joined(await coach.press(buttons_of(cards(api)[-1])["2. Luca Bianchi"]))
    assert (
        "approved with Luca Bianchi" in said
        and "does not use the bot, so please introduce them yourself" in said
    )
    assert (await services.mentoring.get(1)).mentor_id == other.id  # type: ignore[union-attr]

    italian = await onboarded(coach_app, api, 321, lang="it")
    await italian.say("/mentoring")
    await italian.say("Aiuto con i prezzi del mio forno")
    await italian.tap(translator("it")("Food"))
    await italian.tap(translator("it")("✅ Done"))
    await italian.tap("🇮🇹 Italia")
    await italian.tap(translator("it")("Weekends"))
    await italian.tap(translator("it")("👥 Let the coach choose"))
    card = cards(api)[-1]
    reasons = joined(await coach.press(buttons_of(card)["❌ Decline"]))
    assert "M-0002: why?" in reasons
    declined = joined(await coach.press(buttons_of(cards(api)[-1])["Mentors fully booked"]))
    assert (
        "M-0002 declined; the person will be told" in declined
        and "❌ Declined: Mentors fully booked." in declined
    )
    await run_jobs(coach_app, services)

    told = [c.params["text"] for c in api.calls if c.method == "sendMessage" and c.params["chat_id"] == 321][
        -1
    ]
    assert translator("it")("the mentors who fit are fully booked; please ask again in a few weeks.") in told
    assert "rifiutata" in told and "M-0002" in told


async def test_only_coaches_of_the_request_s_country_can_handle_the_card(
    coach_app: InterHubApp, api: LocalBotApi, services: Services
) -> None:
    amina = await services.mentoring.add_mentor(mentor())
    await services.roles.grant(OTHER_COACH, "coach", frozenset({"DE"}))
    person = await onboarded(coach_app, api, 330)
    await request_flow(person, need="Help with hiring my first baker")
    await person.tap("Choose Amina Haddad")

    for actor in (OTHER_COACH, 331):
        coach = CoachChat(coach_app, api, actor)
        for data in (f"mc:ok:1:{amina.id}", "mc:other:1", "mc:no:1", "mc:why:1:full", "mc:card:1"):
            assert await coach.press(data) == []
        assert coach.alerts == [REFUSED] * 5
    assert (await services.mentoring.get(1)).state == "requested"  # type: ignore[union-attr]
    assert await CoachChat(coach_app, api, OTHER_COACH).press(f"mc:pause:{amina.id}") == []
    assert (await services.mentoring.mentor(amina.id)).active is True  # type: ignore[union-attr]


async def test_forged_buttons_stray_text_cancel_and_mymentoring(
    coach_app: InterHubApp, api: LocalBotApi, services: Services
) -> None:
    await services.mentoring.add_mentor(mentor())
    person = await onboarded(coach_app, api, 340)
    assert "no mentoring request yet" in joined(await person.say("/mymentoring"))

    await person.say("/mentoring")
    stopped = joined(await person.say("/cancel"))
    assert "Nothing was sent" in stopped
    assert "2/5" not in joined(await person.say("Some words about my bakery"))
    await request_flow(person, need="Help with my bakery accounts")
    person.alerts = []
    for data in ("mr:pick:999", "mr:pick:abc", "mr:cancel:999", "mr:done:1", "mc:ok:999:1", "mr:lang:xx"):
        await person.press_data(data)
    assert person.alerts == [EXPIRED] * 6
    await person.tap("Choose Amina Haddad")
    again = joined(await person.say("/mentoring"))
    assert "You already have a mentoring request (M-0001: waiting for a coach)" in again
    assert "M-0001: waiting for a coach" in joined(await person.say("/mymentoring"))
    assert "Your request M-0001 is cancelled" in joined(await person.tap("✖️ Cancel my request"))
    assert (await services.mentoring.get(1)).state == "cancelled"  # type: ignore[union-attr]
    reminders = [j for j in await services.jobs.list() if j.kind == "mentoring.reminder"]
    assert [j.state for j in reminders] == ["cancelled"]


async def test_the_menu_and_the_deep_link_open_the_intro(coach_app: InterHubApp, api: LocalBotApi) -> None:
    person = await onboarded(coach_app, api, 350)

    by_link = joined(await person.say("/start mentoring"))
    by_menu = joined(await person.press_data("menu:mentoring"))
    started = joined(await person.tap("🤝 Request a mentor"))

    assert "suggest up to three mentors" in by_link and "suggest up to three mentors" in by_menu
    assert "1/5 What would you like help with?" in started


async def test_the_intent_opens_the_intro(answering_app: InterHubApp, api: LocalBotApi) -> None:
    person = await onboarded(answering_app, api, 351)

    reply = joined(await person.say("I'd like a mentor to help me grow my bakery"))

    assert "suggest up to three mentors" in reply


async def test_a_coach_pauses_a_mentor_in_telegram(
    coach_app: InterHubApp, api: LocalBotApi, services: Services
) -> None:
    amina = await services.mentoring.add_mentor(mentor())
    await services.roles.grant(COACH, "coach", frozenset({"IT"}))
    coach = CoachChat(coach_app, api, COACH)

    listing = joined(await coach.say("/mentors"))
    paused = joined(await coach.press(f"mc:pause:{amina.id}"))

    assert f"{amina.id}. <b>Amina Haddad</b> · active · 0/3 mentees" in listing
    assert "Amina Haddad</b> · paused" in paused
    assert (await services.mentoring.mentor(amina.id)).active is False  # type: ignore[union-attr]
    assert await services.mentoring.propose(Wish("food", ("en",), "IT")) == []
    assert "only for the InterHub team" in joined(await CoachChat(coach_app, api, 9).say("/mentors"))


async def test_nothing_of_a_request_survives_forget(
    coach_app: InterHubApp, api: LocalBotApi, services: Services
) -> None:
    await services.mentoring.add_mentor(mentor())
    person = await onboarded(coach_app, api, 360)
    await request_flow(person, need="zebracorn pastry question for a mentor")
    await person.tap("Choose Amina Haddad")

    await person.say("/forget")
    await person.tap("Yes, delete everything")

    async with services.db.transaction() as session:
        found = [
            table.name
            for table in Base.metadata.sorted_tables
            for row in (await session.execute(select(table))).all()
            if any("zebracorn" in str(value) for value in row)
        ]
        raw = (await session.execute(text("select count(*) from mentoring_requests"))).scalar()
    assert found == [] and raw == 0
