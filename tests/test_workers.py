"""Several worker processes on one database see one truth; blocked people are ignored."""

from __future__ import annotations

from sqlalchemy import update

from actions.models import User
from bot.app import build_application, prepare
from bot.context import InterHubApp
from bot.local_api import LocalBotApi
from core.services import Services
from core.settings import Settings
from tests.dialog import Dialog, joined


async def test_two_workers_share_the_conversation_state(settings: Settings, services: Services) -> None:
    api_a, api_b = LocalBotApi(), LocalBotApi()
    worker_a = build_application(settings, services, request=api_a, rate_limit=False)
    worker_b = build_application(settings, services, request=api_b, rate_limit=False)
    async with worker_a, worker_b:  # both load the (empty) conversations at start
        await prepare(worker_a)
        on_a, on_b = Dialog(worker_a, api_a), Dialog(worker_b, api_b)

        await on_a.say("/start")
        consent = joined(await on_b.press_data("lang:en"))  # the next update lands on the other worker
        invitations = joined(await on_a.press_data("consent:yes"))  # and the next one back on the first
        country = joined(await on_b.press_data("invite:no"))
        sector = joined(await on_a.press_data("country:HU"))

    assert "Do you agree" in consent
    assert "invitations from the InterHub coaches" in invitations
    assert "which country" in country
    assert "business about" in sector


async def test_blocked_people_get_no_reply(app: InterHubApp, api: LocalBotApi, services: Services) -> None:
    chat = Dialog(app, api)
    await chat.say("/start")
    async with services.db.transaction() as session:
        await session.execute(update(User).where(User.telegram_id == 42).values(blocked=True))

    assert await chat.say("/help") == []
