"""Console channel: the real Application, driven from a terminal or a pipe, offline.

Each input line becomes a Telegram update. When the bot's last message has buttons, the person may
answer with a button's number or its exact label; anything else is sent as a text message.
"""

from __future__ import annotations

import asyncio
import html
import re
import sys
import time
import uuid
from typing import Any, TextIO

from telegram import Update

from bot.app import prepare, shutdown
from bot.context import InterHubApp
from bot.local_api import BOT_USER, Call, LocalBotApi

_TAG = re.compile(r"<[^>]+>")


def _plain(text: str) -> str:
    return html.unescape(_TAG.sub("", text))


class ConsoleChannel:
    """Turns lines into updates and prints what the bot sends."""

    def __init__(self, user_id: int, language_code: str | None, out: TextIO = sys.stdout) -> None:
        self.user_id = user_id
        self.language_code = language_code
        self.out = out
        self.api = LocalBotApi(listener=self._show)
        self.options: list[tuple[str, str]] = []
        self._options_message: int | None = None
        self._app: InterHubApp | None = None

    def _print(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def _show(self, call: Call) -> None:
        p = call.params
        if call.method == "sendMessage":
            self._print(f"\n{_plain(p['text'])}")
            self._offer(p, call.result["message_id"])
        elif call.method == "editMessageText":
            self._print(f"  ↳ {_plain(p['text'])}")
            self._drop_options(p.get("message_id"))
        elif call.method == "editMessageReplyMarkup":
            self._drop_options(p.get("message_id"))
            self._offer(p, p.get("message_id"))  # a keyboard that changed in place (a toggle)
        elif call.method == "answerCallbackQuery" and p.get("text"):
            self._print(f"\n⚠️ {p['text']}")
        elif call.method == "sendDocument":
            for name, data in call.files.values():
                self._print(f"\n📎 {name}\n{data.decode('utf-8', 'replace')}")
            if p.get("caption"):
                self._print(_plain(str(p["caption"])))

    def _offer(self, params: dict[str, Any], message_id: Any) -> None:
        buttons = [b for row in (params.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]
        if buttons:
            self.options = [(b["text"], b["callback_data"]) for b in buttons]
            self._options_message = message_id
            for number, (label, _data) in enumerate(self.options, start=1):
                self._print(f"  [{number}] {label}")

    def _drop_options(self, message_id: object) -> None:
        if message_id == self._options_message:
            self.options = []
            self._options_message = None

    def _user(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.user_id, "is_bot": False, "first_name": "Console"}
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    def update_for(self, line: str) -> dict[str, Any]:
        """Build the Bot API update a person's line would produce."""
        update_id = time.time_ns() // 1000
        chosen = self._chosen_option(line)
        chat = {"id": self.user_id, "type": "private", "first_name": "Console"}
        if chosen is not None and self._options_message is not None:
            return {
                "update_id": update_id,
                "callback_query": {
                    "id": uuid.uuid4().hex,
                    "from": self._user(),
                    "chat_instance": f"console-{self.user_id}",
                    "data": chosen,
                    "message": {
                        "message_id": self._options_message,
                        "date": int(time.time()),
                        "chat": chat,
                        "from": BOT_USER,
                        "text": "…",
                    },
                },
            }
        message: dict[str, Any] = {
            "message_id": self.api.take_message_id(),
            "date": int(time.time()),
            "chat": chat,
            "from": self._user(),
            "text": line,
        }
        if line.startswith("/"):
            command = line.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return {"update_id": update_id, "message": message}

    def _chosen_option(self, line: str) -> str | None:
        text = line.strip()
        if text.isdigit() and 1 <= int(text) <= len(self.options):
            return self.options[int(text) - 1][1]
        for label, data in self.options:
            if text.casefold() in (label.casefold(), label.removeprefix("✅ ").casefold()):
                return data
        return None

    async def run(self, app: InterHubApp, source: TextIO = sys.stdin) -> None:
        """Read lines until end of input and feed them to the Application."""
        interactive = source.isatty()
        async with app:
            await prepare(app)
            if interactive:
                self._print("InterHub console — type /start, a number to press a button, Ctrl-D to quit.")
            while True:
                if interactive:
                    print("\nyou> ", end="", file=self.out, flush=True)
                line = await asyncio.to_thread(source.readline)
                if not line:
                    break
                line = line.rstrip("\n")
                if not line.strip():
                    continue
                if not interactive:
                    self._print(f"\nyou> {line}")
                await app.process_update(Update.de_json(self.update_for(line), app.bot))
            await shutdown(app)
