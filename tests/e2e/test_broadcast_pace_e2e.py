"""Two senders with their own engines (as two processes) share the pace: the fake Bot API counts arrivals."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

from actions.broadcast_delivery import BroadcastSender
from actions.broadcast_limiter import SharedLimiter
from actions.broadcasts import Segment
from bot.broadcast_lane import TelegramLane, lane_bot
from core.services import Services
from tests.e2e.test_broadcasts_e2e import daytime_offset, pending, received, shifted
from tests.fake_bot_api import TOKEN, FakeBotApi
from tests.test_broadcasts import person

LIMIT = 5  # the fake API's messages per second for the bot, kept small so the test is short


async def send_with_two_senders(database_url: str, api: FakeBotApi, pace: float, people: int) -> Counter[int]:
    offset = daytime_offset()
    clock = shifted(offset)
    owner = Services.from_url(database_url)
    owner.broadcasts.clock = clock  # type: ignore[assignment]
    chats = list(range(2000, 2000 + people))
    for chat in chats:
        await person(owner, chat, sector=None)
    view, _ = await owner.broadcasts.create("Pace", "en", Segment())
    await owner.broadcasts.confirm(view.id)
    processes = [Services.from_url(database_url) for _ in range(2)]
    bots = [lane_bot(TOKEN, api.base_url) for _ in processes]

    async def work(index: int) -> None:
        services, bot = processes[index], bots[index]
        async with bot:
            sender = BroadcastSender(
                services.db,
                TelegramLane(bot, services.users),
                SharedLimiter(services.db, pace),
                name=f"p{index}",
                batch=4,
                clock=clock,  # type: ignore[arg-type]
            )
            deadline = time.monotonic() + 60
            while await pending(owner):
                assert time.monotonic() < deadline, "the broadcast did not finish"
                if not await sender.run_once():
                    await asyncio.sleep(0.05)

    try:
        await asyncio.gather(work(0), work(1))
        assert received(api) == Counter({chat: 1 for chat in chats})  # none twice, none missed
        return Counter(call.status for call in api.calls if call.method == "sendMessage")
    finally:
        for services in [owner, *processes]:
            await services.db.dispose()


async def test_two_senders_sharing_the_database_never_exceed_the_limit(
    database_url: str, fake_api: FakeBotApi
) -> None:
    fake_api.limits = (LIMIT, 1.0)
    statuses = await send_with_two_senders(database_url, fake_api, LIMIT, 20)
    assert statuses == Counter({200: 20})  # the fake API never had to answer 429


async def test_the_fake_api_counts_what_a_too_fast_pace_sends(
    database_url: str, fake_api: FakeBotApi
) -> None:
    fake_api.limits = (LIMIT, 1.0)
    statuses = await send_with_two_senders(database_url, fake_api, 2 * LIMIT, 20)
    assert statuses[429] > 0  # the check above can fail: twice the pace is caught (and then handled)
    assert statuses[200] == 20
