"""The real bot as a separate process: ``python -m tests.bot_process URL API``.

Used by end-to-end tests that kill it. It polls the fake Bot API at API over HTTP and prints ``ready``.
"""

from __future__ import annotations

import asyncio
import sys

from telegram import Update

from bot.app import build_application, prepare
from core.services import Services
from core.settings import load_settings
from tests.fake_bot_api import TOKEN


async def main(url: str, api: str) -> None:
    settings = load_settings(
        database_url=url, telegram_bot_token=TOKEN, telegram_api_base_url=api, _env_file=None
    )
    services = Services.from_url(url)
    app = build_application(settings, services)
    async with app:
        await prepare(app)
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1, allowed_updates=Update.ALL_TYPES)
        await app.start()
        print("ready", flush=True)
        await asyncio.Event().wait()  # until killed


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
