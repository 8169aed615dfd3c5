"""The shared pace: permits in the database, on SQLite and PostgreSQL, on a clock the test sets."""

from __future__ import annotations

import pytest

from actions.broadcast_limiter import CHAT_INTERVAL, HOLD, MARGIN, Permit, SharedLimiter
from core.db import Database
from core.services import Services


class Wall:
    """Epoch seconds the test moves."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def take(limiter: SharedLimiter) -> Permit | None:
    async with limiter.db.engine.begin() as conn:
        return await limiter.take(conn)


async def give_back(limiter: SharedLimiter, permit: Permit, answered: float | None) -> None:
    async with limiter.db.engine.begin() as conn:
        await limiter.give_back(conn, permit, "u_x", answered)


async def test_two_limiters_sharing_the_database_hand_out_each_permit_once(services: Services) -> None:
    wall = Wall()
    other = Database(services.db.url)  # another process's engine on the same database
    try:
        first = SharedLimiter(services.db, 3, wall=wall)
        second = SharedLimiter(other, 3, wall=wall)
        await first.ensure()
        await second.ensure()
        permits = [await take(first), await take(second), await take(first)]
        assert [p.start for p in permits if p] == [1000.0, 1000.0, 1000.0]  # three may start at once
        assert len({p.key for p in permits if p}) == 3
        assert await take(second) is None  # all three are out, whichever process asks

        first_permit = permits[0]
        assert first_permit is not None
        await give_back(first, first_permit, answered=1000.05)
        wall.now = 1000.5
        again = await take(second)
        assert again is not None and again.key == first_permit.key
        assert again.start == pytest.approx(1000.05 + 1.0 + MARGIN)  # a window after the answer
    finally:
        await other.dispose()


async def test_a_429_pause_delays_every_permit_and_a_dead_senders_permit_frees_itself(
    services: Services,
) -> None:
    wall = Wall()
    limiter = SharedLimiter(services.db, 2, wall=wall)
    await limiter.ensure()
    taken = await take(limiter)  # its sender dies holding it
    assert taken is not None
    await limiter.hold(5)  # a 429 with retry_after=5
    paused = await take(limiter)
    assert paused is not None and paused.start == pytest.approx(1005.0)
    await give_back(limiter, paused, answered=None)  # never sent: free again at once
    assert await take(limiter) == Permit(paused.key, paused.start, paused.start + HOLD)

    wall.now += HOLD + 1
    late = await take(limiter)
    assert late is not None and late.key == taken.key  # the dead sender's permit came back


async def test_a_chat_gets_one_message_per_second_counted_from_the_answer(services: Services) -> None:
    wall = Wall()
    limiter = SharedLimiter(services.db, 29, wall=wall)
    await limiter.ensure()
    async with services.db.engine.begin() as conn:
        assert await limiter.take_chat(conn, "u_x") is True
        assert await limiter.take_chat(conn, "u_x") is False  # in flight
        assert await limiter.take_chat(conn, "u_y") is True
        permit = await limiter.take(conn)
    assert permit is not None
    await give_back(limiter, permit, answered=1000.3)
    async with services.db.engine.begin() as conn:
        wall.now = 1000.3 + CHAT_INTERVAL - 0.01
        assert await limiter.take_chat(conn, "u_x") is False
        wall.now = 1000.3 + CHAT_INTERVAL + MARGIN
        assert await limiter.take_chat(conn, "u_x") is True


def test_the_pace_setting_gives_whole_permits_per_window_of_at_least_a_second(services: Services) -> None:
    shapes = [(lim.slots, lim.window) for lim in (SharedLimiter(services.db, r) for r in (29, 30, 0.5, 29.5))]
    assert shapes == [(29, 1.0), (30, 1.0), (1, 2.0), (30, pytest.approx(30 / 29.5))]
