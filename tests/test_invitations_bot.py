"""The choice about invitations from the coaches: asked in onboarding after the consent, off by default
for people who keep no profile, shown and toggled in /privacy, and respected by a broadcast's count."""

from __future__ import annotations

from actions.broadcasts import Segment
from bot.context import InterHubApp
from bot.local_api import LocalBotApi
from core.services import Services
from tests.dialog import Dialog, joined


async def reach(services: Services) -> int:
    """How many people a broadcast to everyone would reach now."""
    return sum((await services.broadcasts.audience(Segment())).values())


async def test_onboarding_asks_after_consent_and_a_no_keeps_the_person_out_of_broadcasts(
    app: InterHubApp, api: LocalBotApi, services: Services
) -> None:
    yes, no = Dialog(app, api, user_id=61), Dialog(app, api, user_id=62)
    for chat, answer in ((yes, "🔔 Yes, invite me"), (no, "No, thanks")):
        await chat.say("/start")
        await chat.tap("✅ English")
        asked = joined(await chat.tap("✅ I agree"))
        assert "Would you like invitations from the InterHub coaches" in asked
        assert "which country" in joined(await chat.tap(answer))
        await chat.tap("🇮🇹 Italy")
        assert "All set" in joined(await chat.tap("Food"))

    assert [(await services.users.find(n)).invitations for n in (61, 62)] == [True, False]  # type: ignore[union-attr]
    assert await reach(services) == 1
    assert "🔕 Invitations from the coaches: off" in joined(await no.say("/privacy"))


async def test_without_a_profile_invitations_are_off_until_turned_on_in_privacy(
    app: InterHubApp, api: LocalBotApi, services: Services
) -> None:
    chat = Dialog(app, api, user_id=63)
    await chat.say("/start")
    await chat.tap("✅ English")
    declined = joined(await chat.tap("Continue without a profile"))
    assert "No problem" in declined and "invitations" not in declined  # not asked without a profile
    assert await reach(services) == 0

    notice = joined(await chat.say("/privacy"))
    turned_on = await chat.tap("🔕 Invitations: off · turn on")
    assert "🔕 Invitations from the coaches: off" in notice
    assert "🔔 Invitations from the coaches: on" in turned_on[0]  # the same message, edited
    assert "you will get invitations from the coaches again" in turned_on[1]
    assert "🔔 Invitations: on · turn off" in chat.buttons()
    assert await reach(services) == 1

    turned_off = joined(await chat.tap("🔔 Invitations: on · turn off"))
    assert "🔕 Invitations from the coaches: off" in turned_off and "no more invitations" in turned_off
    assert await reach(services) == 0
    profile = await services.users.find(63)
    assert profile is not None and profile.invitations is False and profile.has_consent is False


async def test_privacy_in_italian_shows_the_state_in_italian(
    app: InterHubApp, api: LocalBotApi, services: Services
) -> None:
    await services.users.set_language(64, "it")
    await services.users.give_consent(64)
    chat = Dialog(app, api, user_id=64, language_code="it")
    notice = joined(await chat.say("/privacy"))
    assert "🔔 Inviti dai consulenti: attivi" in notice
    assert "🔔 Inviti: attivi · disattiva" in chat.buttons()
