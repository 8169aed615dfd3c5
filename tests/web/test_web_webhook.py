"""Webhook mode: one ASGI app on one port serves Telegram's webhook, /healthz and the dashboard."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from bot.app import build_application
from bot.web_cli import webhook_and_dashboard
from bot.webhook import SECRET_HEADER
from core.services import Services
from core.settings import Settings, load_settings
from tests.fake_bot_api import TOKEN, FakeBotApi
from tests.loopback import serve
from tests.web.support import PASSWORD, sign_in
from web.accounts import AccountService

SECRET = "s3cret-Token_1"
USER = 778


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeBotApi]:
    """The fake Telegram Bot API on loopback."""
    server = FakeBotApi()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def site(database_url: str, fake_api: FakeBotApi) -> AsyncIterator[str]:
    """The composed app under uvicorn (lifespan on: the bot starts and registers its webhook)."""
    config: Settings = load_settings(
        database_url=database_url,
        telegram_bot_token=TOKEN,
        telegram_api_base_url=fake_api.base_url,
        webhook_url="https://bot.example.org/telegram/hook",
        webhook_secret=SECRET,
        _env_file=None,
    )
    services = Services.from_url(config.database_url)
    await AccountService(services.db).add("coach@example.org", "coach", PASSWORD)
    asgi = webhook_and_dashboard(build_application(config, services), config, services.db)
    async with serve(asgi, lifespan="on") as port:
        yield f"http://127.0.0.1:{port}"
    await services.db.dispose()


async def test_one_port_serves_the_webhook_the_health_check_and_the_dashboard(
    site: str, fake_api: FakeBotApi
) -> None:
    update = {
        "update_id": 31,
        "message": {
            "message_id": 31,
            "date": 1_790_000_000,
            "chat": {"id": USER, "type": "private", "first_name": "W"},
            "from": {"id": USER, "is_bot": False, "first_name": "W", "language_code": "en"},
            "text": "/help",
            "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
        },
    }
    async with httpx.AsyncClient(base_url=site) as client:
        hook = await client.post("/telegram/hook", json=update, headers={SECRET_HEADER: SECRET})
        refused = await client.post("/telegram/hook", json=update)
        health = await client.get("/healthz")
        signed_in = await sign_in(client, "coach@example.org")
        overview = await client.get("/overview")
        await fake_api.wait_for(lambda server: len(server.sent(USER)) >= 1)

    assert fake_api.webhook["secret_token"] == SECRET
    assert (hook.status_code, refused.status_code) == (200, 403)
    assert health.json() == {"status": "ok", "running": True}  # the bot's own health check
    assert (signed_in.status_code, overview.status_code) == (303, 200)
    assert "<h1>Overview</h1>" in overview.text and len(fake_api.sent(USER)) == 1
