"""``make bench-broadcast``: N recipients sent by K sender processes to a loopback fake Bot API that enforces
30 messages/s per bot and 1/s per chat (429 with ``retry_after`` beyond), while a person chats with the
real bot (another process) and gets replies through the same fake API.

Two runs by default: ``plain`` (one 429 injected at a quarter, to show the pause) and ``kill`` (the first
sender is killed with SIGKILL at half and restarted). Each prints one JSON object: elapsed (from the
senders' start), the sustained rate (first to last broadcast message, as the fake API received them) and
its share of 30/s, the most sends the fake API accepted in any second, duplicates, missed, 429s, the reply
times of the person chatting (from their update to the reply arriving), the crash window (arrival to the
start of its recording) and, for ``kill``, what was in flight at the kill. ``--recipients 1000`` makes a
quick run; ``--backend postgres`` uses ``--database-url`` (default ``BENCH_POSTGRES_URL`` or the local
``b_bench`` database).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, text

from actions.broadcasts import Segment
from actions.migrate import upgrade
from actions.models import BroadcastOutbox, User, aware, utcnow
from core.services import Services
from tests.e2e.test_broadcasts_e2e import daytime_offset
from tests.fake_bot_api import Call, FakeBotApi

ROOT = Path(__file__).resolve().parents[2]
CEILING = 30  # Telegram's messages per second per bot
FIRST_CHAT = 10_000_000
CHATTER = 9_000_001  # the person chatting with the bot during the broadcast (not a recipient)
EMPTIED = ("users", "message_log", "processed_updates", "ptb_data", "ptb_conversations", "jobs")
EMPTIED += ("broadcasts", "broadcast_outbox", "rate_limits")  # on PostgreSQL, before each run


@dataclass
class Options:
    """What one run does."""

    url: str
    recipients: int
    senders: int
    rate: float
    lease: float
    kill: bool
    inject: bool = True


class Tail:
    """Reads the fake API's calls as they come, without rescanning (10,000 calls, polled often)."""

    def __init__(self, api: FakeBotApi) -> None:
        self.api, self.seen = api, 0

    def new(self) -> list[Call]:
        calls = self.api.calls[self.seen :]
        self.seen += len(calls)
        return calls


def is_broadcast(call: Call) -> bool:
    return call.status == 200 and "bc:stop" in str(call.params.get("reply_markup", ""))


@dataclass
class Chatter:
    """A person who writes to the bot once a second (after each reply) and times the replies."""

    api: FakeBotApi
    times: list[float] = field(default_factory=list)
    unanswered: int = 0

    async def run(self, done: Callable[[], bool]) -> None:
        tail = Tail(self.api)
        while not done():
            tail.new()
            asked = time.monotonic()
            self.api.send_text(CHATTER, "/help")
            reply = await self._reply(tail, asked + 30)
            if reply is None:
                self.unanswered += 1
                continue
            self.times.append(reply.at - asked)
            await asyncio.sleep(1.0)

    @staticmethod
    async def _reply(tail: Tail, deadline: float) -> Call | None:
        while time.monotonic() < deadline:
            for call in tail.new():
                if call.method == "sendMessage" and call.status == 200 and call.params["chat_id"] == CHATTER:
                    return call
            await asyncio.sleep(0.005)
        return None

    def summary(self) -> dict[str, Any]:
        if len(self.times) < 2:
            return {"replies": len(self.times), "unanswered": self.unanswered}
        cuts = statistics.quantiles(self.times, n=20)
        return {
            "replies": len(self.times),
            "unanswered": self.unanswered,
            "p50_ms": round(statistics.median(self.times) * 1000),
            "p95_ms": round(cuts[18] * 1000),
            "max_ms": round(max(self.times) * 1000),
        }


async def seed(services: Services, count: int) -> None:
    """``count`` people who take invitations, in Italy."""
    now = utcnow()
    rows = [
        {
            "pseudonym": f"u_bench{index:08d}",
            "telegram_id": FIRST_CHAT + index,
            "language": "it",
            "country": "IT",
            "consent_at": now,
            "blocked": False,
            "created_at": now,
            "last_seen_at": now,
        }
        for index in range(count)
    ]
    async with services.db.transaction() as session:
        if services.db.engine.dialect.name == "postgresql":
            await session.execute(text(f"truncate {', '.join(EMPTIED)} cascade"))
        await session.execute(insert(User), rows)


def most_in_a_second(moments: list[float]) -> int:
    """The most moments that fall within any one second (a sliding window, as the fake API counts)."""
    most, first = 0, 0
    for last, moment in enumerate(moments):
        while moment - moments[first] >= 1.0:
            first += 1
        most = max(most, last - first + 1)
    return most


def cpu_seconds() -> tuple[float, float]:
    """CPU used so far by the finished children (senders) and by this process (the fake API, the bench)."""
    children, me = resource.getrusage(resource.RUSAGE_CHILDREN), resource.getrusage(resource.RUSAGE_SELF)
    return children.ru_utime + children.ru_stime, me.ru_utime + me.ru_stime


def cpu_ms(messages: int, since: tuple[float, float]) -> dict[str, float]:
    """CPU per message since the run began (the senders include their start-up)."""
    per = 1000 / max(messages, 1)
    now = cpu_seconds()
    return {
        "senders": round((now[0] - since[0]) * per, 1),
        "fake_api_and_bench": round((now[1] - since[1]) * per, 1),
    }


def spawn(module: str, *args: object, stdout: int | None = None) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", module, *map(str, args)]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=stdout)


async def in_flight(services: Services, sender: str) -> dict[str, int]:
    """The sender's rows in flight: prepared (``sending``: the request had not left, sent again later) and
    ``departed`` (the request was on its way: recorded as sent, unconfirmed, never sent again)."""
    async with services.db.transaction() as session:
        rows = await session.execute(
            select(BroadcastOutbox.state, func.count())
            .where(BroadcastOutbox.state.in_(("sending", "departed")), BroadcastOutbox.locked_by == sender)
            .group_by(BroadcastOutbox.state)
        )
        counts = {state: int(count) for state, count in rows}
    return {"prepared": int(counts.get("sending", 0)), "departed": int(counts.get("departed", 0))}


async def soon_sent(services: Services, ahead: int) -> int:
    """The chat of a queued row about ``ahead`` messages away (rows are claimed in id order)."""
    async with services.db.transaction() as session:
        pseudonym = await session.scalar(
            select(BroadcastOutbox.pseudonym)
            .where(BroadcastOutbox.state == "queued")
            .order_by(BroadcastOutbox.due_at, BroadcastOutbox.id)
            .offset(ahead)
            .limit(1)
        )
    return FIRST_CHAT + int(str(pseudonym).removeprefix("u_bench"))


async def crash_window(services: Services, api: FakeBotApi, offset: float) -> dict[str, int]:
    """From each message's arrival at the fake API to the start of the transaction recording it as sent
    (ms; the commit itself comes on top): a sender killed in between sends that message again after its
    lease, the one way a broadcast duplicates."""
    wall_minus_monotonic = time.time() - time.monotonic()  # the fake API runs in this process
    arrived: dict[int, float] = {}
    for call in api.calls:
        if is_broadcast(call):
            arrived.setdefault(int(call.params["chat_id"]), call.at + wall_minus_monotonic)
    async with services.db.transaction() as session:
        rows = await session.execute(
            select(BroadcastOutbox.pseudonym, BroadcastOutbox.sent_at).where(BroadcastOutbox.state == "sent")
        )
        windows = [
            (aware(sent_at).timestamp() - offset - arrived[chat]) * 1000
            for pseudonym, sent_at in rows
            if (chat := FIRST_CHAT + int(str(pseudonym).removeprefix("u_bench"))) in arrived
        ]
    if len(windows) < 2:
        return {}
    cuts = statistics.quantiles(windows, n=20)
    return {"p50": round(statistics.median(windows)), "p95": round(cuts[18]), "max": round(max(windows))}


async def run(options: Options) -> dict[str, Any]:
    services = Services.from_url(options.url)
    offset = daytime_offset()
    services.broadcasts.clock = lambda: utcnow() + timedelta(seconds=offset)
    api = FakeBotApi()
    api.limits = (CEILING, 1.0)
    await api.start()
    bot = spawn("tests.bot_process", options.url, api.base_url, stdout=subprocess.PIPE)
    try:
        await seed(services, options.recipients)
        assert bot.stdout is not None
        await asyncio.to_thread(bot.stdout.readline)  # "ready"
        view, count = await services.broadcasts.create("Benchmark 📣", "en", Segment())
        await services.broadcasts.confirm(view.id)

        def sender(name: str) -> subprocess.Popen[bytes]:
            worker = (options.url, api.base_url, name, options.lease, offset, options.rate)
            return spawn("tests.broadcast_worker", *worker)

        began, cpu_at_start = time.monotonic(), cpu_seconds()
        processes = [sender(f"bench{i}") for i in range(options.senders)]
        tail, got = Tail(api), Counter[int]()
        chatter: Chatter | None = None
        chatting: asyncio.Task[None] | None = None
        injected, kill = 0, {}
        while any(p.poll() is None for p in processes):
            got.update(c.params["chat_id"] for c in tail.new() if is_broadcast(c))
            done = sum(got.values())
            if done and chatter is None:  # the broadcast has begun: start chatting
                chatter = Chatter(api)
                chatting = asyncio.create_task(
                    chatter.run(lambda: all(p.poll() is not None for p in processes))
                )
            if options.inject and not options.kill and not injected and done >= count // 4:
                chat = await soon_sent(services, 50)
                api.fail_next("sendMessage", 429, retry_after=1, chat_id=chat)
                injected = 1
            if options.kill and not kill and done >= count // 2:
                processes[0].send_signal(signal.SIGKILL)
                processes[0].wait()
                processes.append(sender("bench0-restarted"))
                kill = {"killed_after": done, "in_flight_at_kill": await in_flight(services, "bench0")}
            await asyncio.sleep(0.02)
        elapsed = time.monotonic() - began
        assert chatter is not None and chatting is not None
        await chatting
        got.update(c.params["chat_id"] for c in tail.new() if is_broadcast(c))
        broadcast_arrivals = sorted(c.at for c in api.calls if is_broadcast(c))
        accepted = sorted(c.at for c in api.calls if c.method.startswith("send") and c.status == 200)
        statuses = Counter(c.status for c in api.calls if c.method == "sendMessage")
        replies_429 = sum(1 for c in api.calls if c.status == 429 and c.params.get("chat_id") == CHATTER)
        span = broadcast_arrivals[-1] - broadcast_arrivals[0]
        sustained = (len(broadcast_arrivals) - 1) / span if span else 0.0
        status = await services.broadcasts.get(view.id)
        assert status is not None
        result: dict[str, Any] = {
            "run": "kill" if options.kill else "plain",
            "backend": options.url.split(":", 1)[0],
            "recipients": count,
            "senders": options.senders,
            "pace_setting": options.rate,
            "elapsed_s": round(elapsed, 1),
            "sustained_per_s": round(sustained, 2),
            "of_30_per_s": f"{sustained / CEILING:.1%}",
            "overall_per_s": round(sum(got.values()) / elapsed, 2),
            "most_sends_in_any_second": most_in_a_second(accepted),
            "duplicates": sum(n - 1 for n in got.values()),
            "missed": count - len(got),
            "http_429": statuses[429],
            "http_429_injected": injected,
            "http_429_on_replies": replies_429,
            "reply": chatter.summary(),
            "state": status.state,
            "exit_codes": [p.returncode for p in processes],
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "cpu_ms_per_message": cpu_ms(len(broadcast_arrivals), cpu_at_start),
            "arrival_to_record_ms": await crash_window(services, api, offset),
        }
        if options.kill:
            result.update(kill)
        return result
    finally:
        bot.send_signal(signal.SIGTERM)
        await asyncio.to_thread(bot.wait)
        await api.stop()
        await services.db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--senders", type=int, default=2)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/b_bench"),
        help="the PostgreSQL database for --backend postgres (its tables are emptied)",
    )
    parser.add_argument("--rate", type=float, default=29.0, help="the lane's pace (BROADCAST_PER_SECOND)")
    parser.add_argument("--lease", type=float, default=20.0, help="a sender's lease on its rows, seconds")
    parser.add_argument("--runs", default="plain,kill", help="plain, kill or both")
    parser.add_argument("--no-inject", action="store_true", help="no 429 injected in the plain run")
    args = parser.parse_args()
    for name in args.runs.split(","):
        if args.backend == "postgres":
            url = args.database_url
        else:
            url = f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp(prefix='interhub-bench-')) / 'bench.db'}"
        upgrade(url)
        options = Options(
            url, args.recipients, args.senders, args.rate, args.lease, name == "kill", not args.no_inject
        )
        print(json.dumps(asyncio.run(run(options)), indent=2), flush=True)


if __name__ == "__main__":
    main()
