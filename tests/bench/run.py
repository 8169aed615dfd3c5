"""``make bench``: latency of each answering stage, whole ask, memory, and time to ready.

Run as a script (not collected by pytest). Figures are printed as a table and written to
``artefacts/bench.json``; they depend on the machine, so compare runs on the same one.
"""

from __future__ import annotations

import asyncio
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: The blind question set: long, misspelt, mixed-language questions as people write them.
QUESTIONS = ROOT / "knowledge" / "evaluation" / "blind_questions.jsonl"
OUT = ROOT / "artefacts" / "bench.json"
READY_SCRIPT = """
import asyncio, sys, time
start = time.perf_counter()
from core.services import attach_answerer
from actions.migrate import upgrade
from core.services import Services
from bot.app import build_application, prepare
from bot.local_api import LocalBotApi
from core.settings import load_settings
config = load_settings(database_url=sys.argv[1], _env_file=None)
upgrade(config.database_url)
async def main():
    services = Services.from_url(config.database_url)
    attach_answerer(services, config)
    app = build_application(config, services, request=LocalBotApi(), rate_limit=False)
    async with app:
        await prepare(app)
        print(time.perf_counter() - start)
    await services.db.dispose()
asyncio.run(main())
"""


def percentiles(samples: list[float]) -> dict[str, float]:
    """p50 and p95 in milliseconds."""
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 3),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))] * 1000, 3),
        "n": len(ordered),
    }


def resident_mb() -> float:
    """The process's resident memory now (Linux), in MB."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return round(pages * resource.getpagesize() / 2**20, 1)


def timed(function: Callable[[], object], repeat: int = 1) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        function()
    return (time.perf_counter() - start) / repeat


async def atimed(function: Callable[[], Awaitable[object]]) -> float:
    start = time.perf_counter()
    await function()
    return time.perf_counter() - start


def time_to_ready() -> float:
    """Seconds from a fresh interpreter to an Application ready to answer (artefacts already built)."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/bench.db"
        subprocess.run([sys.executable, "-c", READY_SCRIPT, url], cwd=ROOT, check=True, capture_output=True)
        runs = [
            float(
                subprocess.run(
                    [sys.executable, "-c", READY_SCRIPT, url],
                    cwd=ROOT,
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout.strip()
            )
            for _ in range(3)
        ]
    return round(statistics.median(runs), 3)


async def main() -> dict[str, object]:
    from core.services import Services, attach_answerer
    from core.settings import load_settings
    from knowledge.search import Scope
    from nlu.language import decide

    questions = [
        json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    with tempfile.TemporaryDirectory() as folder:
        from actions.migrate import upgrade_async

        url = f"sqlite+aiosqlite:///{folder}/bench.db"
        await upgrade_async(url)
        config = load_settings(database_url=url, _env_file=None)
        services = Services.from_url(url)
        answerer = attach_answerer(services, config)
        answerer.kb.warm_up()
        for item in questions[:20]:  # warm caches and lazy paths
            await answerer.ask(item["q"], preferred_language=item["lang"], country=item["country"])
        curated = [q for q in questions if q["lang"] in ("en", "it", "de", "sl", "hr", "hu")]
        others = [q for q in questions if q not in curated]

        def ask(q: dict[str, str]) -> Awaitable[object]:
            return answerer.ask(q["q"], preferred_language=q["lang"], country=q["country"])

        ask_curated = [await atimed(lambda q=q: ask(q)) for q in curated]
        ask_others = [await atimed(lambda q=q: ask(q)) for q in others]
        figures: dict[str, object] = {
            "language_decision": percentiles(
                [timed(lambda q=q: decide(q["q"], "en", q["country"])) for q in questions]
            ),
            "nlu_parse": percentiles(
                [await atimed(lambda q=q: answerer.nlu.parse(q["q"])) for q in questions]
            ),
            "retrieval_curated": percentiles(
                [
                    timed(lambda q=q: answerer.kb.retrieve(q["q"], q["lang"], Scope(q["country"])))
                    for q in curated
                ]
            ),
            "retrieval_other_languages": percentiles(
                [
                    timed(lambda q=q: answerer.kb.retrieve(q["q"], q["lang"], Scope(q["country"])))
                    for q in others
                ]
            ),
            "ask_curated": percentiles(ask_curated),
            "ask_other_languages": percentiles(ask_others),
            "ask_all": percentiles(ask_curated + ask_others),
            "rss_mb_everything_loaded": resident_mb(),
            "rss_mb_peak": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        }
        await services.db.dispose()
    figures["time_to_ready_s"] = time_to_ready()
    return figures


if __name__ == "__main__":
    results = asyncio.run(main())
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(results, indent=2))
    for name, value in results.items():
        print(f"{name:28} {value}")
