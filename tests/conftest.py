"""Shared fixtures: no network, a migrated database on SQLite and PostgreSQL, the Application."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from actions.migrate import upgrade
from actions.models import Base
from bot.app import build_application, prepare
from bot.context import InterHubApp
from bot.local_api import LocalBotApi
from core.services import Services, attach_answerer
from core.settings import Settings, load_settings

COACHES = -100500
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
LOOPBACK = {"127.0.0.1", "::1", "localhost"}
ENV_VARS = (
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_API_BASE_URL",
    "DATABASE_URL",
    "WEBHOOK_URL",
    "WEBHOOK_SECRET",
    "PORT",
    "DEFAULT_LANGUAGE",
    "COACH_CHAT_ID",
    "LOG_LEVEL",
)


class NetworkAccessError(AssertionError):
    """A test tried to reach something other than loopback."""


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test on any connection beyond loopback (Telegram, Google, anything)."""
    real_connect = socket.socket.connect
    real_getaddrinfo = socket.getaddrinfo

    def connect(self: socket.socket, address: Any) -> Any:
        if isinstance(address, tuple) and address[0] not in LOOPBACK:
            raise NetworkAccessError(f"network access to {address[0]} in a test")
        return real_connect(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in LOOPBACK and host is not None:
            raise NetworkAccessError(f"name lookup of {host} in a test")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests never read the developer's variables or .env file."""
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def _postgres_problem() -> str | None:
    async def probe() -> None:
        engine = create_async_engine(POSTGRES_URL)
        try:
            async with engine.connect() as connection:
                await connection.execute(text("select 1"))
        finally:
            await engine.dispose()

    try:
        asyncio.run(asyncio.wait_for(probe(), 5))
    except Exception as exc:  # any failure means: not reachable
        return f"PostgreSQL not reachable at {POSTGRES_URL}: {type(exc).__name__}"
    return None


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """A freshly migrated PostgreSQL database, or a skip (a failure when REQUIRE_POSTGRES=1)."""
    problem = _postgres_problem()
    if problem:
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(f"REQUIRE_POSTGRES=1 but {problem}")
        pytest.skip(problem)

    async def reset() -> None:
        engine = create_async_engine(POSTGRES_URL)
        async with engine.begin() as connection:
            # The whole schema, so tables of another branch's run cannot linger.
            await connection.execute(text("drop schema public cascade"))
            await connection.execute(text("create schema public"))
        await engine.dispose()

    asyncio.run(reset())
    upgrade(POSTGRES_URL)
    return POSTGRES_URL


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that each test copies."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[str]:
    """An empty, migrated database: a SQLite file, then PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "interhub.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    url = request.getfixturevalue("postgres_url")

    async def truncate() -> None:
        engine = create_async_engine(url)
        async with engine.begin() as connection:
            names = ", ".join(table.name for table in Base.metadata.sorted_tables)
            await connection.execute(text(f"truncate {names} restart identity cascade"))
        await engine.dispose()

    asyncio.run(truncate())
    yield url


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Settings pointing at the test database."""
    return load_settings(database_url=database_url, _env_file=None)


@pytest.fixture
async def services(settings: Settings) -> AsyncIterator[Services]:
    """The services on the test database."""
    built = Services.from_url(settings.database_url, default_language=settings.default_language)
    yield built
    await built.db.dispose()


@pytest.fixture
def api() -> LocalBotApi:
    """The recording in-process Bot API."""
    return LocalBotApi()


@pytest.fixture
async def app(settings: Settings, services: Services, api: LocalBotApi) -> AsyncIterator[InterHubApp]:
    """The real Application on the recording transport, initialised."""
    application = build_application(settings, services, request=api, rate_limit=False)
    async with application:
        await prepare(application)
        yield application


@pytest.fixture
async def answering_app(
    settings: Settings, services: Services, api: LocalBotApi
) -> AsyncIterator[InterHubApp]:
    """The Application with the real answerer (knowledge base, NLU) and a coaches' chat."""
    services.coach_chat_id = COACHES
    attach_answerer(services, settings)
    application = build_application(settings, services, request=api, rate_limit=False)
    async with application:
        await prepare(application)
        yield application
