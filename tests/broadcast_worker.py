"""A broadcast sender process: ``python -m tests.broadcast_worker URL API NAME LEASE OFFSET [RATE]``.

It sends through the real Telegram lane to the fake Bot API at API until no broadcast has anything left,
on a clock shifted by OFFSET seconds (so quiet hours do not depend on when the tests run).
"""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta

from sqlalchemy import func, select

from actions.broadcast_delivery import BroadcastSender
from actions.broadcast_limiter import SharedLimiter
from actions.broadcasts import PENDING
from actions.models import BroadcastOutbox, utcnow
from bot.broadcast_lane import TelegramLane, lane_bot
from core.services import Services
from tests.fake_bot_api import TOKEN


async def main(url: str, api: str, name: str, lease: float, offset: float, rate: float = 29) -> None:
    services = Services.from_url(url)
    bot = lane_bot(TOKEN, api)
    try:
        async with bot:
            sender = BroadcastSender(
                services.db,
                TelegramLane(bot, services.users),
                SharedLimiter(services.db, rate),
                name=name,
                lease=timedelta(seconds=lease),
                batch=20,
                clock=lambda: utcnow() + timedelta(seconds=offset),
            )
            while True:
                if not await sender.run_once():
                    async with services.db.transaction() as session:
                        left = await session.scalar(
                            select(func.count()).where(BroadcastOutbox.state.in_(PENDING))
                        )
                    if not left:
                        break
                    await asyncio.sleep(0.1)
    finally:
        await services.db.dispose()


if __name__ == "__main__":
    rate = float(sys.argv[6]) if len(sys.argv) > 6 else 29.0
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5]), rate))
