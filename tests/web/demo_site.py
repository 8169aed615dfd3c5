"""A real dashboard for browser tests and the bench: a migrated SQLite file with the demo activity
(``interhub db seed --demo``), accounts, and ``interhub web`` serving it on a free loopback port."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from core.db import Database
from web.accounts import AccountService

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "browser test password"
ADMIN = "admin@example.org"
PARTNER = "partner-it-de@example.org"
LOCKABLE = "lockable@example.org"


@dataclass(frozen=True)
class Site:
    """Where the dashboard runs and on which database."""

    url: str
    database_url: str


def _environment(database_url: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "WARNING",
    }


def demo_database(folder: Path, url: str | None = None) -> str:
    """A migrated SQLite file with the demo data and activity, loaded through the CLI as ``make dashboard``
    does, and three accounts."""
    url = url or f"sqlite+aiosqlite:///{folder / 'dashboard.db'}"
    for command in (["db", "upgrade"], ["db", "seed"], ["db", "seed", "--demo"]):
        subprocess.run(
            [sys.executable, "-m", "bot.cli", *command],
            cwd=folder,
            env=_environment(url),
            check=True,
            capture_output=True,
            timeout=600,
        )

    async def accounts() -> None:
        db = Database(url)
        try:
            service = AccountService(db)
            for email, role, countries in (
                (ADMIN, "admin", frozenset[str]()),
                (PARTNER, "partner", frozenset({"IT", "DE"})),
                (LOCKABLE, "coach", frozenset[str]()),
            ):
                if await service.get(email) is None:  # a database given to the bench may have them
                    await service.add(email, role, PASSWORD, countries)
        finally:
            await db.dispose()

    with ThreadPoolExecutor(1) as thread:  # a thread of its own: Playwright may run a loop in this one
        thread.submit(asyncio.run, accounts()).result()
    return url


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serve(database_url: str, folder: Path) -> Iterator[Site]:
    """``interhub web`` on a free port until the block ends."""
    port = free_port()
    log = folder / f"web-{port}.log"
    errors = log.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "web", "--host", "127.0.0.1", "--port", str(port)],
        cwd=folder,
        env=_environment(database_url),
        stdout=subprocess.DEVNULL,
        stderr=errors,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"interhub web did not start: {process.stderr.read() if process.stderr else ''}"
                )
            time.sleep(0.2)
        yield Site(url, database_url)
    finally:
        process.terminate()
        process.wait(timeout=20)
        errors.close()
