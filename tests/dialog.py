"""Drive the real Application through the recording transport and read the replies like a transcript."""

from __future__ import annotations

import itertools
import time
from typing import Any

from telegram import Update

from bot.context import InterHubApp
from bot.local_api import BOT_USER, Call, LocalBotApi

_update_ids = itertools.count(1)


class Dialog:
    """One person chatting with the bot in a private chat."""

    def __init__(
        self, app: InterHubApp, api: LocalBotApi, user_id: int = 42, language_code: str | None = "en"
    ):
        self.app = app
        self.api = api
        self.user_id = user_id
        self.language_code = language_code
        self.alerts: list[str] = []

    def _user(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.user_id, "is_bot": False, "first_name": "Amira"}
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    def _chat(self) -> dict[str, Any]:
        return {"id": self.user_id, "type": "private", "first_name": "Amira"}

    async def _process(self, update: dict[str, Any]) -> list[Call]:
        start = len(self.api.calls)
        await self.app.process_update(Update.de_json(update, self.app.bot))
        return self.api.calls[start:]

    async def send_update(self, update: dict[str, Any]) -> list[str]:
        """Process a raw update; return the texts the bot sent."""
        return _texts(await self._process(update))

    def message_update(self, fields: dict[str, Any]) -> dict[str, Any]:
        """A private message update with arbitrary content."""
        message = {
            "message_id": self.api.take_message_id(),
            "date": int(time.time()),
            "chat": self._chat(),
            "from": self._user(),
            **fields,
        }
        return {"update_id": next(_update_ids), "message": message}

    async def say(self, text: str) -> list[str]:
        """Send a text (commands get their entity); return the bot's texts."""
        fields: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            fields["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return await self.send_update(self.message_update(fields))

    async def press_data(self, data: str, message_id: int | None = None) -> list[str]:
        """Press a button with the given callback data (possibly forged)."""
        message = {
            "message_id": message_id or self.last_keyboard_message() or 1,
            "date": int(time.time()),
            "chat": self._chat(),
            "from": BOT_USER,
            "text": "…",
        }
        query = {
            "id": f"q{next(_update_ids)}",
            "from": self._user(),
            "chat_instance": "ci",
            "data": data,
            "message": message,
        }
        calls = await self._process({"update_id": next(_update_ids), "callback_query": query})
        self.alerts += [c.params.get("text", "") for c in calls if c.method == "answerCallbackQuery"]
        return _texts(calls)

    async def tap(self, label: str) -> list[str]:
        """Press the button with this label on the bot's last keyboard."""
        buttons = self.buttons()
        if label not in buttons:
            raise AssertionError(f"no button {label!r}; buttons: {list(buttons)}")
        return await self.press_data(buttons[label])

    def keyboards(self) -> dict[int, dict[str, str]]:
        """Message id → (label → data) for every bot message that still has buttons."""
        live: dict[int, dict[str, str]] = {}
        for call in self.api.calls:
            if call.params.get("chat_id") != self.user_id:
                continue
            message_id = (
                call.result["message_id"] if isinstance(call.result, dict) else call.params.get("message_id")
            )
            if call.method in ("sendMessage", "editMessageText", "editMessageReplyMarkup"):
                rows = (call.params.get("reply_markup") or {}).get("inline_keyboard", [])
                if rows:
                    live[message_id] = {b["text"]: b["callback_data"] for row in rows for b in row}
                else:
                    live.pop(message_id, None)
        return live

    def last_keyboard_message(self) -> int | None:
        """The id of the newest message with buttons."""
        live = self.keyboards()
        return max(live) if live else None

    def buttons(self) -> dict[str, str]:
        """Label → data of the newest message with buttons."""
        live = self.keyboards()
        return live[max(live)] if live else {}


def _texts(calls: list[Call]) -> list[str]:
    out: list[str] = []
    for call in calls:
        if call.method in ("sendMessage", "editMessageText"):
            out.append(call.params["text"])
        elif call.method == "sendDocument":
            out.append(call.params.get("caption", ""))
    return out


def joined(texts: list[str]) -> str:
    """All texts as one string, for substring assertions."""
    return "\n".join(texts)
