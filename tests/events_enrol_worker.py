"""A bot-like process for the events capacity test:
``python -m tests.events_enrol_worker URL EVENT FIRST COUNT DIR``.

It connects, says it is ready (``DIR/ready-FIRST``), waits for ``DIR/go``, then enrols people FIRST ..
FIRST+COUNT-1 in the event at once, in four waves of a quarter each: a wave starts as soon as one call of
the wave before has returned, so some calls are ordered in real time while most overlap. It writes one
JSON line per enrolment to ``DIR/out-FIRST.jsonl``: pseudonym, status, waiting-list position and the
wall-clock times the call began and returned.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import text

from core.services import Services


def pseudonym(n: int) -> str:
    """The pseudonym of person ``n`` (the test's ``person``)."""
    return f"u_{n:016x}"


async def main(url: str, event_id: int, first: int, count: int, folder: Path) -> None:
    services = Services.from_url(url)
    try:
        async with services.db.transaction() as session:  # connect before the start signal
            await session.execute(text("select 1"))
        (folder / f"ready-{first}").touch()
        while not (folder / "go").exists():
            await asyncio.sleep(0.01)

        waves = [asyncio.Event() for _ in range(4)]
        waves[0].set()

        async def enrol(n: int) -> dict[str, Any]:
            wave = (n - first) * 4 // count
            await waves[wave].wait()
            began = time.time()
            place = await services.events.enrol(event_id, pseudonym(n), first_name=f"P{n}")
            if wave + 1 < len(waves):
                waves[wave + 1].set()
            return {
                "pseudonym": place.pseudonym,
                "status": place.status,
                "position": place.position,
                "began": began,
                "returned": time.time(),
            }

        results = await asyncio.gather(*(enrol(n) for n in range(first, first + count)))
        lines = "".join(json.dumps(result) + "\n" for result in results)
        (folder / f"out-{first}.jsonl").write_text(lines)
    finally:
        await services.db.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), Path(sys.argv[5])))
