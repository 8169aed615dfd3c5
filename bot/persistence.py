"""PTB persistence on SQLAlchemy: conversation states and user/chat/bot data live in the database.

Every worker process reads the same tables: user and chat data are re-read before each update
(``refresh_*``), and ``SharedConversations`` re-reads the conversation state of the update's key,
so several processes behind one webhook see one truth.
"""

from __future__ import annotations

import json
from typing import Any, cast

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import CDCData, ConversationDict, ConversationKey

from actions.models import ConversationState, PersistedData
from core.db import Database

Data = dict[str, Any]
_BOT_KEY = 0


def _key_json(key: ConversationKey) -> str:
    return json.dumps(list(key))


class SqlPersistence(BasePersistence[Data, Data, Data]):
    """Stores PTB state as JSON rows; values must be JSON-serialisable."""

    def __init__(self, db: Database, update_interval: float = 60) -> None:
        super().__init__(
            store_data=PersistenceInput(bot_data=True, chat_data=True, user_data=True, callback_data=False),
            update_interval=update_interval,
        )
        self.db = db

    async def _load(self, kind: str) -> dict[int, Data]:
        async with self.db.transaction() as session:
            rows = await session.scalars(select(PersistedData).where(PersistedData.kind == kind))
            return {row.key: dict(row.data) for row in rows}

    async def _load_one(self, kind: str, key: int) -> Data | None:
        async with self.db.transaction() as session:
            row = await session.get(PersistedData, (kind, key))
            return None if row is None else dict(row.data)

    async def _save(self, kind: str, key: int, data: Data) -> None:
        async with self.db.transaction() as session:
            await _upsert(session, kind, key, data)

    async def _drop(self, kind: str, key: int) -> None:
        async with self.db.transaction() as session:
            await session.execute(
                delete(PersistedData).where(PersistedData.kind == kind, PersistedData.key == key)
            )

    async def get_user_data(self) -> dict[int, Data]:
        return await self._load("user")

    async def get_chat_data(self) -> dict[int, Data]:
        return await self._load("chat")

    async def get_bot_data(self) -> Data:
        return await self._load_one("bot", _BOT_KEY) or {}

    async def get_callback_data(self) -> CDCData | None:
        return None

    async def get_conversations(self, name: str) -> ConversationDict:
        async with self.db.transaction() as session:
            rows = await session.scalars(select(ConversationState).where(ConversationState.name == name))
            return {tuple(json.loads(row.key)): row.state["value"] for row in rows}

    async def get_conversation_state(self, name: str, key: ConversationKey) -> object | None:
        """Read one conversation's current state (None when it is not in a conversation)."""
        async with self.db.transaction() as session:
            row = await session.get(ConversationState, (name, _key_json(key)))
            return None if row is None else row.state["value"]

    async def update_conversation(self, name: str, key: ConversationKey, new_state: object | None) -> None:
        async with self.db.transaction() as session:
            row = await session.get(ConversationState, (name, _key_json(key)))
            if new_state is None:
                if row is not None:
                    await session.delete(row)
                return
            if row is None:
                user_id = key[-1] if key and isinstance(key[-1], int) else None
                session.add(
                    ConversationState(
                        name=name, key=_key_json(key), user_id=user_id, state={"value": new_state}
                    )
                )
            else:
                row.state = {"value": new_state}

    async def update_user_data(self, user_id: int, data: Data) -> None:
        await self._save("user", user_id, data)

    async def update_chat_data(self, chat_id: int, data: Data) -> None:
        await self._save("chat", chat_id, data)

    async def update_bot_data(self, data: Data) -> None:
        await self._save("bot", _BOT_KEY, data)

    async def update_callback_data(self, data: CDCData) -> None:
        """Arbitrary callback data is not used: buttons carry short validated strings."""

    async def drop_chat_data(self, chat_id: int) -> None:
        await self._drop("chat", chat_id)

    async def drop_user_data(self, user_id: int) -> None:
        await self._drop("user", user_id)

    async def refresh_user_data(self, user_id: int, user_data: Data) -> None:
        stored = await self._load_one("user", user_id)
        user_data.clear()
        user_data.update(stored or {})

    async def refresh_chat_data(self, chat_id: int, chat_data: Data) -> None:
        stored = await self._load_one("chat", chat_id)
        chat_data.clear()
        chat_data.update(stored or {})

    async def refresh_bot_data(self, bot_data: Data) -> None:
        stored = await self._load_one("bot", _BOT_KEY)
        bot_data.clear()
        bot_data.update(stored or {})

    async def flush(self) -> None:
        """Nothing is buffered: every update is written when PTB hands it over."""


async def _upsert(session: AsyncSession, kind: str, key: int, data: Data) -> None:
    row = await session.get(PersistedData, (kind, key))
    if row is None:
        session.add(
            PersistedData(kind=kind, key=key, data=cast(dict[str, Any], json.loads(json.dumps(data))))
        )
    else:
        row.data = json.loads(json.dumps(data))
