"""Menu, settings, language switch, help and unknown commands."""

from __future__ import annotations

from bot.context import InterHubApp
from bot.local_api import LocalBotApi
from core.services import Services
from tests.dialog import Dialog, joined


async def onboarded(app: InterHubApp, api: LocalBotApi, *, consent: bool = True) -> Dialog:
    """A person who finished onboarding in English (Italy, fashion when consenting)."""
    chat = Dialog(app, api)
    await chat.say("/start")
    await chat.tap("✅ English")
    if consent:
        await chat.tap("✅ I agree")
        await chat.tap("No, thanks")
        await chat.tap("🇮🇹 Italy")
        await chat.tap("Fashion")
    else:
        await chat.tap("Continue without a profile")
    return chat


async def test_no_menu_entry_says_coming_soon(app: InterHubApp, api: LocalBotApi) -> None:
    chat = await onboarded(app, api)

    for label in ("📅 Events", "🤝 Mentoring", "⭐ Feedback"):
        reply = joined(await chat.tap(label))
        assert "coming soon" not in reply, label
        await chat.say("/menu")


async def test_the_mentoring_entry_is_the_real_feature(app: InterHubApp, api: LocalBotApi) -> None:
    chat = await onboarded(app, api)

    reply = joined(await chat.tap("🤝 Mentoring"))

    assert "suggest up to three mentors" in reply
    assert list(chat.buttons()) == ["🤝 Request a mentor", "📋 My mentoring", "⬅️ Main menu"]


async def test_topic_entries_never_say_coming_soon(app: InterHubApp, api: LocalBotApi) -> None:
    chat = await onboarded(app, api)

    for label in ("⚖️ Legislation", "💶 Finance", "📣 Marketing", "👥 HR"):
        reply = joined(await chat.tap(label))
        assert "coming soon" not in reply and "type your question" in reply, label


async def test_settings_show_the_profile(app: InterHubApp, api: LocalBotApi) -> None:
    chat = await onboarded(app, api)

    reply = joined(await chat.tap("⚙️ Settings"))

    assert "Language: English" in reply
    assert "Country: Italy" in reply
    assert "Sector: Fashion" in reply
    assert list(chat.buttons()) == ["🌐 Language", "📍 Country", "🏷️ Sector", "🔒 Privacy", "⬅️ Main menu"]


async def test_changing_country_in_settings(app: InterHubApp, api: LocalBotApi, services: Services) -> None:
    chat = await onboarded(app, api)
    await chat.tap("⚙️ Settings")
    await chat.tap("📍 Country")

    reply = joined(await chat.tap("🇸🇮 Slovenia"))

    assert "Country: Slovenia" in reply
    profile = await services.users.find(42)
    assert profile is not None and profile.country == "SI"


async def test_without_consent_settings_offer_no_country(app: InterHubApp, api: LocalBotApi) -> None:
    chat = await onboarded(app, api, consent=False)

    await chat.tap("⚙️ Settings")

    assert list(chat.buttons()) == ["🌐 Language", "🔒 Privacy", "⬅️ Main menu"]
    assert "consent first" in joined(await chat.press_data("settings:country"))


async def test_forged_country_button_without_consent_is_refused(
    app: InterHubApp, api: LocalBotApi, services: Services
) -> None:
    chat = await onboarded(app, api, consent=False)

    await chat.press_data("setcountry:DE")

    assert any("consent first" in alert for alert in chat.alerts)
    profile = await services.users.find(42)
    assert profile is not None and profile.country is None


async def test_help_lists_the_commands(app: InterHubApp, api: LocalBotApi) -> None:
    chat = Dialog(app, api)

    reply = joined(await chat.say("/help"))

    for command in ("/start", "/menu", "/language", "/privacy", "/mydata", "/forget", "/cancel"):
        assert command in reply


async def test_unknown_command_is_answered_and_escaped(app: InterHubApp, api: LocalBotApi) -> None:
    chat = Dialog(app, api)

    reply = joined(await chat.say("/frobnicate<b>"))

    assert "I don't know the command /frobnicate&lt;b&gt;" in reply


async def test_cancel_outside_a_flow(app: InterHubApp, api: LocalBotApi) -> None:
    chat = Dialog(app, api)

    assert "nothing to cancel" in joined(await chat.say("/cancel"))


async def test_free_text_outside_a_flow_answers_with_the_menu(app: InterHubApp, api: LocalBotApi) -> None:
    chat = await onboarded(app, api)

    reply = joined(await chat.say("how do I open a partita iva?"))

    assert "What would you like to do?" in reply
    assert "⚖️ Legislation" in chat.buttons()
    assert [c.method for c in api.calls[-3:]].count("sendChatAction") == 1


async def test_commands_are_published_in_every_language(app: InterHubApp, api: LocalBotApi) -> None:
    published = [c for c in api.calls if c.method == "setMyCommands"]

    languages = {c.params.get("language_code") for c in published}
    assert languages == {None, "en", "it", "de", "sl", "hr", "hu", "ar", "zh", "uk", "tr", "es", "fr"}
    assert [c["command"] for c in published[0].params["commands"]][:3] == ["start", "menu", "help"]
