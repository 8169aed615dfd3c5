"""The models and the migrations agree (as ``alembic check`` does); upgrades survive concurrency and data."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from actions.migrate import upgrade
from actions.models import Base
from tests.conftest import POSTGRES_URL

ROOT = Path(__file__).resolve().parents[1]


async def _differences(url: str) -> list[object]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"compare_type": True}), Base.metadata
                )
            )
    finally:
        await engine.dispose()


async def test_models_and_migrations_agree(database_url: str) -> None:
    assert await _differences(database_url) == []


def test_old_roles_move_to_the_roles_table(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0002")

    async def add_old_coach() -> None:
        engine = create_async_engine(url)
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "insert into users (pseudonym, telegram_id, roles, blocked, created_at, last_seen_at) "
                    "values ('u_old', 7, 'coach,user', 0, '2026-01-01', '2026-01-01')"
                )
            )
        await engine.dispose()

    asyncio.run(add_old_coach())
    upgrade(url)

    async def roles() -> list[tuple[str, str]]:
        engine = create_async_engine(url)
        async with engine.connect() as connection:
            rows = (await connection.execute(text("select role, countries from user_roles"))).all()
        await engine.dispose()
        return [tuple(row) for row in rows]

    assert asyncio.run(roles()) == [("coach", "")]


@pytest.mark.postgres
def test_two_processes_migrating_a_new_database_at_once_both_succeed(postgres_url: str) -> None:
    name = f"interhub_migrate_{uuid.uuid4().hex[:8]}"
    admin = POSTGRES_URL.rsplit("/", 1)[0] + "/postgres"

    async def ddl(statement: str) -> None:
        engine = create_async_engine(admin, isolation_level="AUTOCOMMIT")
        async with engine.connect() as connection:
            await connection.execute(text(statement))
        await engine.dispose()

    asyncio.run(ddl(f"create database {name}"))
    url = POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    command = [sys.executable, "-c", f"from actions.migrate import upgrade; upgrade({url!r})"]
    try:
        processes = [subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE) for _ in range(2)]
        errors = [p.communicate(timeout=120)[1].decode() for p in processes]
        assert [p.returncode for p in processes] == [0, 0], errors
        assert asyncio.run(_differences(url)) == []
    finally:
        asyncio.run(ddl(f"drop database if exists {name} with (force)"))
