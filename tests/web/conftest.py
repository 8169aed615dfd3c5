"""Dashboard fixtures: the app on a real migrated database (SQLite and PostgreSQL) over httpx, accounts."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from core.db import Database
from tests.web.support import PASSWORD, Client, FixedReports
from web.accounts import AccountService
from web.app import create_app
from web.reports_source import Reports


@pytest.fixture
async def web_db(database_url: str) -> AsyncIterator[Database]:
    """The test database, migrated and empty (SQLite, then PostgreSQL)."""
    db = Database(database_url)
    yield db
    await db.dispose()


@pytest.fixture
async def accounts(web_db: Database) -> AccountService:
    """Accounts on the test database: an admin, a coach and an IT partner."""
    service = AccountService(web_db)
    await service.add("admin@example.org", "admin", PASSWORD)
    await service.add("coach@example.org", "coach", PASSWORD)
    await service.add("partner@example.org", "partner", PASSWORD, frozenset({"IT"}))
    return service


@pytest.fixture
def reports() -> FixedReports:
    """The fixed pages (a new recorder for each test)."""
    return FixedReports()


@pytest.fixture
async def client_for(web_db: Database, reports: FixedReports) -> AsyncIterator[Client]:
    """A factory of httpx clients on the app, in-process (ASGI), each with its own cookies."""
    opened: list[httpx.AsyncClient] = []

    async def make(
        *,
        source: Reports | None = None,
        base_url: str = "http://testserver",
        secure: bool = False,
        address: str = "203.0.113.7",
        raise_app_exceptions: bool = True,
    ) -> httpx.AsyncClient:
        app = create_app(web_db, reports=source or reports, secure_cookies=secure)
        transport = httpx.ASGITransport(
            app=app, client=(address, 50000), raise_app_exceptions=raise_app_exceptions
        )
        client = httpx.AsyncClient(transport=transport, base_url=base_url)
        opened.append(client)
        return client

    yield make
    for client in opened:
        await client.aclose()
