"""Free-text questions through the real Application: answers, buttons, the honest "not sure", handover."""

from __future__ import annotations

from bot.context import InterHubApp
from bot.local_api import LocalBotApi
from core.services import Services, shared_knowledge
from tests.conftest import COACHES
from tests.dialog import Dialog, joined


async def onboarded(app: InterHubApp, api: LocalBotApi, country: str, lang: str) -> Dialog:
    """A person who agreed to a profile with this country and language (sector: fashion)."""
    chat = Dialog(app, api, language_code=lang)
    for step in (f"lang:{lang}", "consent:yes", "invite:yes", f"country:{country}", "sector:fashion"):
        if step.startswith("lang"):
            await chat.say("/start")
        await chat.press_data(step)
    return chat


async def test_italian_question_gets_the_italian_article_with_buttons(
    answering_app: InterHubApp, api: LocalBotApi
) -> None:
    chat = await onboarded(answering_app, api, "IT", "it")

    reply = joined(
        await chat.say("ciao, con la partita iva mi conviene il regime forfettario? quanto si paga di tasse?")
    )

    assert "forfettario" in reply.lower()
    assert "consulenza legale" in reply
    actions = [data.split(":")[1] if data.startswith("art:") else data for data in chat.buttons().values()]
    assert actions == ["more", "src", "up", "down", "coach:ask"]


async def test_more_and_sources_buttons(answering_app: InterHubApp, api: LocalBotApi) -> None:
    chat = await onboarded(answering_app, api, "DE", "de")
    await chat.say("ich will als Kleinunternehmer keine Umsatzsteuer zahlen, bis wieviel Umsatz geht das?")
    buttons = chat.buttons()
    more, sources = (data for data in buttons.values() if data.startswith(("art:more", "art:src")))

    body = joined(await chat.press_data(more))
    links = joined(await chat.press_data(sources))

    article = shared_knowledge().by_id[more.rsplit(":", 1)[1]]
    assert article.text("de").body.splitlines()[0][:40] in body
    assert f'<a href="{article.sources[0].url}">' in links
    assert article.reviewed.isoformat() in links


async def test_out_of_scope_gets_no_article(answering_app: InterHubApp, api: LocalBotApi) -> None:
    chat = await onboarded(answering_app, api, "HU", "hu")

    reply = joined(await chat.say("what will the weather be like in Budapest tomorrow?"))

    assert not any(data.startswith("art:more") for data in chat.buttons().values())
    assert reply


async def test_thumbs_down_is_stored_and_offers_a_coach(
    answering_app: InterHubApp, api: LocalBotApi, services: Services
) -> None:
    chat = await onboarded(answering_app, api, "HR", "hr")
    await chat.say("koliko je minimalna plaća ove godine?")
    down = next(data for data in chat.buttons().values() if data.startswith("art:down"))

    await chat.press_data(down)

    exported = await services.users.export(42)
    assert exported["article_feedback"][0]["vote"] == -1
    assert any(data == "coach:ask" for data in chat.buttons().values())


async def test_forged_article_button_is_refused_politely(
    answering_app: InterHubApp, api: LocalBotApi
) -> None:
    chat = Dialog(answering_app, api)

    await chat.press_data("art:more:en:no-such-article")
    await chat.press_data("art:more:xx:it-regime-forfettario")

    assert len(chat.alerts) == 2
    assert all("no longer valid" in alert for alert in chat.alerts)


async def test_handover_sends_the_question_to_coaches_and_the_reply_back(
    answering_app: InterHubApp, api: LocalBotApi, services: Services
) -> None:
    await services.roles.grant(555, "coach", frozenset({"SI"}))
    chat = await onboarded(answering_app, api, "SI", "sl")
    await chat.say("ali lahko moj brat dela pri meni brez pogodbe?")
    await chat.press_data("coach:ask")
    coach_card = next(c for c in api.calls if c.method == "sendMessage" and c.params["chat_id"] == COACHES)
    assert "T-0001" in coach_card.params["text"]
    assert "brat" in coach_card.params["text"]

    coach = Dialog(answering_app, api, user_id=555)
    coach_update = coach.message_update(
        {
            "chat": {"id": COACHES, "type": "supergroup", "title": "Coaches"},
            "text": "Ne, tudi družinski član potrebuje pogodbo.",
            "reply_to_message": {
                "message_id": coach_card.result["message_id"],
                "date": 0,
                "chat": {"id": COACHES, "type": "supergroup", "title": "Coaches"},
                "text": coach_card.params["text"],
            },
        }
    )
    await coach.send_update(coach_update)

    to_person = [
        c.params["text"] for c in api.calls if c.method == "sendMessage" and c.params["chat_id"] == 42
    ]
    assert "družinski član potrebuje pogodbo" in to_person[-1]
    ticket = await services.tickets.find(1)
    assert ticket is not None and ticket.status == "answered"


async def test_without_a_country_the_bot_asks_which_one_then_answers_the_same_question(
    answering_app: InterHubApp, api: LocalBotApi
) -> None:
    chat = Dialog(answering_app, api, language_code="de")
    await chat.say("/start")
    await chat.press_data("lang:de")
    await chat.press_data("consent:no")  # no profile: the country is unknown

    asked = joined(await chat.say("Wie hoch ist der Mindestlohn für einen Koch?"))

    assert "Für welches Land?" in asked
    assert sorted(chat.buttons().values()) == sorted(f"askc:{c}" for c in ("DE", "HR", "HU", "IT", "SI"))

    answer = joined(await chat.press_data("askc:HR"))

    opened = [data for data in chat.buttons().values() if data.startswith(("art:more", "art:open"))]
    assert opened, answer
    assert all(shared_knowledge().by_id[data.rsplit(":", 1)[1]].country in ("HR", "EU") for data in opened)


async def test_a_country_button_without_a_question_is_refused_politely(
    answering_app: InterHubApp, api: LocalBotApi
) -> None:
    chat = Dialog(answering_app, api)

    await chat.press_data("askc:IT")

    assert any("no longer valid" in alert for alert in chat.alerts)
