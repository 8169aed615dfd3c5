"""Onboarding transcripts through the real Application and the recording transport."""

from __future__ import annotations

from bot.context import InterHubApp
from bot.local_api import LocalBotApi
from core.services import Services
from tests.dialog import Dialog, joined
from tests.test_events import draft


async def test_onboarding_with_consent_stores_the_profile_and_opens_the_menu(
    app: InterHubApp, api: LocalBotApi, services: Services
) -> None:
    chat = Dialog(app, api, language_code="en")

    assert "choose your language" in joined(await chat.say("/start"))
    assert next(iter(chat.buttons())) == "✅ English"
    assert "Do you agree" in joined(await chat.tap("✅ English"))
    assert "invitations from the InterHub coaches" in joined(await chat.tap("✅ I agree"))
    assert list(chat.buttons()) == ["🔔 Yes, invite me", "No, thanks"]
    assert "choose one of the buttons" in joined(await chat.say("maybe"))
    assert "which country" in joined(await chat.tap("🔔 Yes, invite me"))
    assert "business about" in joined(await chat.tap("🇩🇪 Germany"))
    assert "All set" in joined(await chat.tap("Food"))
    assert list(chat.buttons())[:2] == ["⚖️ Legislation", "💶 Finance"]

    profile = await services.users.find(42)
    assert profile is not None
    assert (profile.language, profile.country, profile.sector, profile.has_consent) == (
        "en",
        "DE",
        "food",
        True,
    )


async def test_declining_consent_keeps_no_profile_but_opens_the_menu(
    app: InterHubApp, api: LocalBotApi, services: Services
) -> None:
    chat = Dialog(app, api)
    await chat.say("/start")
    await chat.tap("✅ English")

    reply = joined(await chat.tap("Continue without a profile"))

    assert "We keep only your Telegram id and language" in reply
    assert "⚙️ Settings" in chat.buttons()
    profile = await services.users.find(42)
    assert profile is not None
    assert (profile.has_consent, profile.consent_declined, profile.country, profile.sector) == (
        False,
        True,
        None,
        None,
    )


async def test_typing_instead_of_choosing_repeats_the_same_step(app: InterHubApp, api: LocalBotApi) -> None:
    chat = Dialog(app, api)
    await chat.say("/start")
    await chat.tap("✅ English")

    reply = joined(await chat.say("what?"))

    assert "Please choose one of the buttons" in reply
    assert list(chat.buttons()) == ["✅ I agree", "Continue without a profile"]


async def test_cancel_stops_onboarding_and_start_begins_again(app: InterHubApp, api: LocalBotApi) -> None:
    chat = Dialog(app, api)
    await chat.say("/start")

    assert "Setup stopped" in joined(await chat.say("/cancel"))
    assert "choose your language" in joined(await chat.say("/start"))


async def test_language_is_preselected_from_telegram(app: InterHubApp, api: LocalBotApi) -> None:
    chat = Dialog(app, api, language_code="hu-HU")

    await chat.say("/start")

    assert next(iter(chat.buttons())) == "✅ Magyar"


async def test_deep_link_waits_for_onboarding_then_opens(
    app: InterHubApp, api: LocalBotApi, services: Services
) -> None:
    event = await services.events.add(draft())
    chat = Dialog(app, api)
    await chat.say(f"/start event_{event.id}")
    await chat.tap("✅ English")

    reply = joined(await chat.tap("Continue without a profile"))

    assert "Opening a partita IVA" in reply  # the event the link named, opened after onboarding


async def test_returning_person_is_welcomed_back_and_deep_link_opens(
    app: InterHubApp, api: LocalBotApi, services: Services
) -> None:
    event = await services.events.add(draft())
    chat = Dialog(app, api)
    await chat.say("/start")
    await chat.tap("✅ English")
    await chat.tap("Continue without a profile")

    reply = joined(await chat.say(f"/start event_{event.id}"))

    assert "Welcome back" in reply
    assert "Opening a partita IVA" in reply


async def test_malformed_deep_link_is_ignored(app: InterHubApp, api: LocalBotApi) -> None:
    chat = Dialog(app, api)

    reply = joined(await chat.say("/start event_abc<script>"))

    assert "choose your language" in reply
