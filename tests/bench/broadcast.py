"""``make bench-broadcast``: N recipients (default 10,000) sent by K sender processes (default 2) to a
loopback fake Bot API that enforces 30 messages/s per bot and 1/s per chat, answering 429 beyond.

Prints the sustained rate, duplicates, missed and 429s. ``BENCH_RECIPIENTS``, ``BENCH_SENDERS``,
``BENCH_RATE`` (the lane's pace, default the setting's 25/s) and ``DATABASE_URL`` (default a SQLite file)
change the run.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert, text

from actions.broadcasts import Segment
from actions.migrate import upgrade
from actions.models import User, utcnow
from core.services import Services
from tests.e2e.test_broadcasts_e2e import daytime_offset, received
from tests.fake_bot_api import FakeBotApi

ROOT = Path(__file__).resolve().parents[2]


async def seed(services: Services, count: int) -> None:
    """``count`` people who take invitations, in Italy."""
    now = utcnow()
    rows = [
        {
            "pseudonym": f"u_bench{index:08d}",
            "telegram_id": 10_000_000 + index,
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
            await session.execute(text("truncate users, broadcasts, broadcast_outbox, rate_limits cascade"))
        await session.execute(insert(User), rows)


async def main(url: str) -> None:
    recipients = int(os.environ.get("BENCH_RECIPIENTS", "10000"))
    senders = int(os.environ.get("BENCH_SENDERS", "2"))
    rate = float(os.environ.get("BENCH_RATE", "25"))
    services = Services.from_url(url)
    offset = daytime_offset()
    services.broadcasts.clock = lambda: utcnow() + timedelta(seconds=offset)
    api = FakeBotApi()
    api.limits = (30, 1.0)
    await api.start()
    try:
        await seed(services, recipients)
        view, count = await services.broadcasts.create("Benchmark 📣", "en", Segment())
        await services.broadcasts.confirm(view.id)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        began = time.perf_counter()
        worker = [sys.executable, "-m", "tests.broadcast_worker", url, api.base_url]
        processes = [
            subprocess.Popen([*worker, f"bench{i}", "60", str(offset), str(rate)], cwd=ROOT, env=env)
            for i in range(senders)
        ]
        while any(p.poll() is None for p in processes):
            await asyncio.sleep(0.2)
        elapsed = time.perf_counter() - began
        got = received(api)
        statuses = Counter(call.status for call in api.calls if call.method == "sendMessage")
        status = await services.broadcasts.get(view.id)
        assert status is not None
        print(
            json.dumps(
                {
                    "recipients": count,
                    "senders": senders,
                    "lane_rate_setting": rate,
                    "elapsed_s": round(elapsed, 1),
                    "sustained_per_s": round(sum(got.values()) / elapsed, 2),
                    "duplicates": sum(n - 1 for n in got.values()),
                    "missed": count - len(got),
                    "http_429": statuses[429],
                    "state": status.state,
                    "exit_codes": [p.returncode for p in processes],
                    "database": url.split(":", 1)[0],
                },
                indent=2,
            )
        )
    finally:
        await api.stop()
        await services.db.dispose()


if __name__ == "__main__":
    folder = Path(tempfile.mkdtemp(prefix="interhub-bench-"))
    database = os.environ.get("DATABASE_URL") or f"sqlite+aiosqlite:///{folder / 'bench.db'}"
    upgrade(database)
    asyncio.run(main(database))
