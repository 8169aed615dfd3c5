"""Webhook mode over real HTTP: Telegram's secret header is checked, updates are answered."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import httpx
import pytest

from bot.app import build_application
from bot.webhook import SECRET_HEADER, create_webhook_app
from core.services import Services
from core.settings import Settings
from tests.fake_bot_api import FakeBotApi
from tests.loopback import serve

SECRET = "s3cret-Token_1"
USER = 777


@pytest.fixture
async def webhook(bot_settings: Settings, fake_api: FakeBotApi) -> AsyncIterator[str]:
    """The webhook app served by uvicorn on loopback (lifespan on: it starts the bot); yields its URL."""
    services = Services.from_url(bot_settings.database_url)
    app = build_application(bot_settings, services)
    asgi = create_webhook_app(app, webhook_url="https://bot.example.org/telegram/hook", secret=SECRET)
    async with serve(asgi, lifespan="on") as port:
        yield f"http://127.0.0.1:{port}"
    await services.db.dispose()


def update(update_id: int, text: str) -> dict[str, object]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_790_000_000,
            "chat": {"id": USER, "type": "private", "first_name": "W"},
            "from": {"id": USER, "is_bot": False, "first_name": "W", "language_code": "en"},
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
        },
    }


async def test_webhook_is_registered_with_the_secret(webhook: str, fake_api: FakeBotApi) -> None:
    assert fake_api.webhook["secret_token"] == SECRET
    assert fake_api.webhook["url"].startswith("https://bot.example.org/telegram/")


async def test_wrong_or_missing_secret_is_refused(webhook: str, fake_api: FakeBotApi) -> None:
    path = "/telegram/hook"
    async with httpx.AsyncClient(base_url=webhook) as client:
        wrong = await client.post(path, json=update(1, "/help"), headers={SECRET_HEADER: "guess"})
        missing = await client.post(path, json=update(2, "/help"))
    await asyncio.sleep(0.3)

    assert (wrong.status_code, missing.status_code) == (403, 403)
    assert fake_api.sent(USER) == []


async def test_right_secret_is_answered_and_a_duplicate_only_once(webhook: str, fake_api: FakeBotApi) -> None:
    path = "/telegram/hook"
    async with httpx.AsyncClient(base_url=webhook) as client:
        first = await client.post(path, json=update(10, "/help"), headers={SECRET_HEADER: SECRET})
        again = await client.post(path, json=update(10, "/help"), headers={SECRET_HEADER: SECRET})
        await fake_api.wait_for(lambda server: len(server.sent(USER)) >= 1)
        await fake_api.wait_idle()

    assert (first.status_code, again.status_code) == (200, 200)
    assert len(fake_api.sent(USER)) == 1


async def test_health_and_limits(webhook: str) -> None:
    path = "/telegram/hook"
    async with httpx.AsyncClient(base_url=webhook) as client:
        health = await client.get("/healthz")
        huge = await client.post(path, content=b"x" * 2_000_000, headers={SECRET_HEADER: SECRET})
        garbage = await client.post(path, content=b"not json", headers={SECRET_HEADER: SECRET})

    assert health.json() == {"status": "ok", "running": True}
    assert huge.status_code == 413
    assert garbage.status_code == 400


async def test_bad_json_shape_is_refused(webhook: str) -> None:
    path = "/telegram/hook"
    async with httpx.AsyncClient(base_url=webhook) as client:
        response = await client.post(path, content=json.dumps([1, 2]), headers={SECRET_HEADER: SECRET})

    assert response.status_code == 400
