"""End-to-end fixtures: the fake Bot API on loopback and the real bot polling it over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import pytest
from telegram import Update

from bot.app import build_application, prepare
from bot.context import InterHubApp
from core.services import Services, attach_answerer
from core.settings import Settings, load_settings
from tests.fake_bot_api import TOKEN, FakeBotApi

BotRunner = Callable[..., AbstractAsyncContextManager[InterHubApp]]


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeBotApi]:
    """The fake Telegram Bot API server, serving on a free loopback port."""
    server = FakeBotApi()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def bot_settings(database_url: str, fake_api: FakeBotApi) -> Settings:
    """Settings of a real bot pointed at the fake server."""
    return load_settings(
        database_url=database_url,
        telegram_bot_token=TOKEN,
        telegram_api_base_url=fake_api.base_url,
        _env_file=None,
    )


@pytest.fixture
def polling_bot(bot_settings: Settings) -> BotRunner:
    """Start the real Application with long polling; each use is a fresh process-like instance.

    ``answering=True`` adds the answerer (knowledge base and NLU); ``coach_chat_id`` the coaches' chat.
    """

    @asynccontextmanager
    async def run(*, answering: bool = False, coach_chat_id: int | None = None) -> AsyncIterator[InterHubApp]:
        services = Services.from_url(bot_settings.database_url, coach_chat_id=coach_chat_id)
        if answering:
            attach_answerer(services, bot_settings)
        app = build_application(bot_settings, services)
        try:
            async with app:
                await prepare(app)
                assert app.updater is not None
                await app.updater.start_polling(poll_interval=0, timeout=1, allowed_updates=Update.ALL_TYPES)
                await app.start()
                try:
                    yield app
                finally:
                    await app.updater.stop()
                    await app.stop()
        finally:
            await services.db.dispose()

    return run
