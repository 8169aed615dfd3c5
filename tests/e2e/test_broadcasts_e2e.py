"""Broadcasts over real HTTP against the fake Bot API: 429, 403 and 5xx; two sender processes; kill -9."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text
from telegram import Update

from actions.broadcast_delivery import BroadcastSender
from actions.broadcast_limiter import SharedLimiter
from actions.broadcasts import PENDING, Segment
from actions.models import BroadcastOutbox, User, utcnow
from bot.app import build_application, prepare
from bot.broadcast_lane import TelegramLane, lane_bot
from core.services import Services
from core.settings import Settings
from tests.e2e.conftest import BotRunner
from tests.fake_bot_api import TOKEN, FakeBotApi
from tests.test_broadcasts import person
from tests.test_events import draft

ROOT = Path(__file__).resolve().parents[2]


def daytime_offset() -> float:
    """Seconds to add to now to reach the next 10:00 in Rome, so quiet hours never interfere."""
    now = utcnow()
    rome = now.astimezone(ZoneInfo("Europe/Rome"))
    target = datetime.combine(rome.date(), datetime.min.time().replace(hour=10), ZoneInfo("Europe/Rome"))
    if target < now:
        target += timedelta(days=1)
    return (target - now).total_seconds()


def shifted(offset: float) -> object:
    return lambda: utcnow() + timedelta(seconds=offset)


def received(api: FakeBotApi) -> Counter[int]:
    """How many broadcast messages (those with the Stop button) each chat got."""
    return Counter(
        call.params["chat_id"] for call in api.sent() if "bc:stop" in str(call.params.get("reply_markup", ""))
    )


async def pending(services: Services) -> int:
    async with services.db.transaction() as session:
        count = await session.scalar(select(func.count()).where(BroadcastOutbox.state.in_(PENDING)))
        return int(count or 0)


async def deliver_all(services: Services, api: FakeBotApi, clock: object) -> None:
    """Run one sender over the real Telegram lane until nothing is pending."""
    bot = lane_bot(TOKEN, api.base_url)
    async with bot:
        sender = BroadcastSender(
            services.db,
            TelegramLane(bot, services.users),
            SharedLimiter(services.db, 30),
            name="e2e",
            clock=clock,  # type: ignore[arg-type]
        )
        deadline = time.monotonic() + 60
        while await pending(services):
            assert time.monotonic() < deadline, "the broadcast did not finish"
            await sender.run_once()
            await asyncio.sleep(0.1)


async def test_delivery_over_http_with_429_403_and_5xx(
    database_url: str, fake_api: FakeBotApi, services: Services
) -> None:
    offset = daytime_offset()
    clock = shifted(offset)
    services.broadcasts.clock = clock  # type: ignore[assignment]
    chats = list(range(501, 507))
    for chat in chats:
        await person(services, chat)
    event = await services.events.add(draft(capacity=None))
    fake_api.blocked.add(503)
    fake_api.fail_next("sendMessage", 429, retry_after=1)
    fake_api.fail_next("sendMessage", 502)
    fake_api.fail_next("sendMessage", 502)
    view, count = await services.broadcasts.create("Workshop <b>soon</b>", "it", Segment(), event_id=event.id)
    assert count == len(chats)
    await services.broadcasts.confirm(view.id)

    await deliver_all(services, fake_api, clock)

    statuses = Counter(call.status for call in fake_api.calls if call.method == "sendMessage")
    assert (statuses[429], statuses[502], statuses[403]) == (1, 2, 1)
    assert received(fake_api) == Counter({chat: 1 for chat in chats if chat != 503})
    last = fake_api.sent(501)[-1].params
    assert last["text"] == "Workshop &lt;b&gt;soon&lt;/b&gt;"  # the coach's text is shown as typed
    rows = last["reply_markup"]["inline_keyboard"]
    assert [[b["callback_data"] for b in row] for row in rows] == [[f"ev:enrol:{event.id}"], ["bc:stop"]]
    status = await services.broadcasts.get(view.id)
    assert status is not None
    summary = status.as_json()
    assert (summary["state"], summary["sent"], summary["unreachable"], summary["pending"]) == (
        "done",
        5,
        1,
        0,
    )
    assert (await services.users.find(503)).reachable is False  # type: ignore[union-attr]


async def test_the_stop_button_and_commands_change_the_choice(
    polling_bot: BotRunner, fake_api: FakeBotApi, services: Services
) -> None:
    clock = shifted(daytime_offset())
    services.broadcasts.clock = clock  # type: ignore[assignment]
    await person(services, 601)
    view, _ = await services.broadcasts.create("Hello", "en", Segment())
    await services.broadcasts.confirm(view.id)
    await deliver_all(services, fake_api, clock)
    async with polling_bot():
        await fake_api.step(601, "button:bc:stop")
        stopped = fake_api.texts(601)[-1]
        _, count_off = await services.broadcasts.create("x", "en", Segment())
        await fake_api.step(601, "/start_invitations")
        started = fake_api.texts(601)[-1]
        _, count_on = await services.broadcasts.create("x", "en", Segment())
        await fake_api.step(601, "/stop_invitations", language_code="it")

    assert "non riceverà più inviti" in stopped  # in the person's language
    assert "riceverà di nuovo" in started
    assert (count_off, count_on) == (0, 1)
    async with services.db.transaction() as session:
        assert await session.scalar(select(User.invitations).where(User.telegram_id == 601)) is False


async def _spawn(
    url: str, api: FakeBotApi, name: str, lease: float, offset: float
) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [
        sys.executable,
        "-m",
        "tests.broadcast_worker",
        url,
        api.base_url,
        name,
        str(lease),
        str(offset),
    ]
    return subprocess.Popen(command, cwd=ROOT, env=env)


async def _wait(process: subprocess.Popen[bytes], timeout: float = 120) -> int:
    deadline = time.monotonic() + timeout
    while process.poll() is None:
        assert time.monotonic() < deadline, "a sender process did not finish"
        await asyncio.sleep(0.1)
    return process.returncode


async def _fresh(url: str, offset: float, people: int) -> tuple[Services, list[int], int]:
    services = Services.from_url(url)
    async with services.db.transaction() as session:
        if url.startswith("postgresql"):
            await session.execute(text("truncate users, broadcasts, broadcast_outbox, rate_limits cascade"))
    services.broadcasts.clock = shifted(offset)  # type: ignore[assignment]
    chats = list(range(1000, 1000 + people))
    for chat in chats:
        await person(services, chat, sector=None)
    view, _ = await services.broadcasts.create("Hello", "en", Segment())
    await services.broadcasts.confirm(view.id)
    return services, chats, view.id


async def test_two_sender_processes_share_one_broadcast_on_postgres(
    postgres_url: str, fake_api: FakeBotApi
) -> None:
    offset = daytime_offset()
    services, chats, bid = await _fresh(postgres_url, offset, 120)
    try:
        processes = [await _spawn(postgres_url, fake_api, f"w{i}", 60, offset) for i in (1, 2)]
        assert [await _wait(p) for p in processes] == [0, 0]
        assert received(fake_api) == Counter({chat: 1 for chat in chats})  # none twice, none missed
        async with services.db.transaction() as session:
            reasons = select(BroadcastOutbox.reason).where(BroadcastOutbox.broadcast_id == bid)
            assert set(await session.scalars(reasons)) == {None}  # no row had to be taken over
        status = await services.broadcasts.get(bid)
        assert status is not None and status.state == "done"
    finally:
        await services.db.dispose()


async def test_kill_9_mid_send_then_restart_sends_nothing_twice(
    database_url: str, fake_api: FakeBotApi
) -> None:
    offset = daytime_offset()
    services, chats, bid = await _fresh(database_url, offset, 60)
    try:
        first = await _spawn(database_url, fake_api, "doomed", 2, offset)
        deadline = time.monotonic() + 60
        while sum(received(fake_api).values()) < 15:
            assert time.monotonic() < deadline and first.poll() is None
            await asyncio.sleep(0.01)
        first.send_signal(signal.SIGKILL)
        await _wait(first)
        async with services.db.transaction() as session:
            in_flight = await session.execute(
                select(BroadcastOutbox.state, func.count())
                .where(BroadcastOutbox.state.in_(("sending", "departed")))
                .group_by(BroadcastOutbox.state)
            )
            at_kill = {state: int(count) for state, count in in_flight}
        assert sum(received(fake_api).values()) < len(chats)  # killed mid-send

        second = await _spawn(database_url, fake_api, "restarted", 2, offset)
        assert await _wait(second) == 0
        got = received(fake_api)
        async with services.db.transaction() as session:
            unconfirmed = set(
                await session.scalars(
                    select(User.telegram_id)
                    .join(BroadcastOutbox, BroadcastOutbox.pseudonym == User.pseudonym)
                    .where(BroadcastOutbox.reason == "unconfirmed: sender lost")
                )
            )
        # Prepared rows (``sending``) went back to the queue; departed ones were recorded, not sent again.
        assert sum(n - 1 for n in got.values()) == 0
        assert len(unconfirmed) == at_kill.get("departed", 0) <= 2  # one request out per pipeline
        assert at_kill.get("sending", 0) + at_kill.get("departed", 0) <= 4
        # A message is lost only if the kill fell between its departed commit and its bytes leaving.
        assert set(chats) - set(got) <= unconfirmed
        status = await services.broadcasts.get(bid)
        assert status is not None
        assert (status.state, status.as_json()["sent"]) == ("done", len(chats))
    finally:
        await services.db.dispose()


async def test_the_bot_sends_on_its_own_lane_and_keeps_replying_during_a_429_pause(
    bot_settings: Settings, fake_api: FakeBotApi, services: Services
) -> None:
    clock = shifted(daytime_offset())
    services.broadcasts.clock = clock  # type: ignore[assignment]
    chats = list(range(701, 706))
    for chat in chats:
        await person(services, chat)
    view, _ = await services.broadcasts.create("Hello", "en", Segment())
    await services.broadcasts.confirm(view.id)
    fake_api.fail_next("sendMessage", 429, retry_after=4)  # the first broadcast message

    own = Services.from_url(bot_settings.database_url)
    app = build_application(bot_settings, own, run_worker=True)
    assert app.background is not None and app.background.broadcasts is not None
    app.background.broadcasts.sender.clock = clock  # type: ignore[assignment]
    app.background.broadcasts.poll = 0.1
    try:
        async with app:
            await prepare(app)
            assert app.updater is not None
            await app.updater.start_polling(poll_interval=0, timeout=1, allowed_updates=Update.ALL_TYPES)
            await app.start()
            try:
                await fake_api.wait_for(lambda api: any(c.status == 429 for c in api.calls))
                await fake_api.step(800, "/help")  # someone chatting while the broadcasts wait
                during_pause = await pending(services)
                await fake_api.wait_for(lambda api: len(received(api)) == len(chats), timeout=30)
            finally:
                await app.updater.stop()
                await app.stop()
                await app.background.stop()  # post_stop runs only under run_polling
    finally:
        await own.db.dispose()

    # The reply went out while the broadcast was held; the sender's second pipeline may have had one
    # message on its way when the 429 came.
    assert during_pause >= len(chats) - 1
    assert received(fake_api) == Counter({chat: 1 for chat in chats})
