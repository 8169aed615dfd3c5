"""What every operator command shares: services on a migrated database, and the one-line failure."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

from actions.migrate import upgrade
from core.services import Services, build_services
from core.settings import Settings

T = TypeVar("T")


def with_services(config: Settings, work: Callable[[Services], Awaitable[T]]) -> T:
    """Migrate the database, run ``work`` on fresh services, and close them."""
    upgrade(config.database_url)

    async def run() -> T:
        services = build_services(config)
        try:
            return await work(services)
        finally:
            await services.aclose()

    return asyncio.run(run())


def fail(problem: object) -> int:
    """Print ``interhub: <problem>`` on stderr; the exit code of a refused command."""
    print(f"interhub: {problem}", file=sys.stderr)
    return 2
