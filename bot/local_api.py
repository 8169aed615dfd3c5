"""An in-process Bot API for the console channel and offline unit tests.

It answers the methods InterHub uses with the Bot API's JSON shapes and records every call, so the
real Application runs unchanged without any network.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from telegram.request import BaseRequest, RequestData

BOT_USER = {
    "id": 7000000001,
    "is_bot": True,
    "first_name": "InterHub",
    "username": "InterHubBot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}


@dataclass
class Call:
    """One Bot API method call with decoded parameters (files as (name, bytes))."""

    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    result: Any = None


class UnknownMethodError(RuntimeError):
    """The code called a Bot API method this local API does not know."""


class LocalBotApi(BaseRequest):
    """Answers Bot API calls in memory; ``listener`` sees every call (the console prints them)."""

    def __init__(self, listener: Callable[[Call], None] | None = None) -> None:
        self.calls: list[Call] = []
        self.listener = listener
        self._next_message_id = 1

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        params = _decode(request_data)
        files = _files(request_data)
        call = Call(name, params, files)
        call.result = self._result(call)
        self.calls.append(call)
        if self.listener:
            self.listener(call)
        return 200, json.dumps({"ok": True, "result": call.result}).encode()

    def take_message_id(self) -> int:
        """Reserve a message id (for messages the person sends)."""
        self._next_message_id += 1
        return self._next_message_id - 1

    def _message(self, chat_id: int, extra: dict[str, Any]) -> dict[str, Any]:
        message_id = self.take_message_id()
        return {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": BOT_USER,
            **extra,
        }

    def _result(self, call: Call) -> Any:
        p = call.params
        match call.method:
            case "getMe":
                return BOT_USER
            case "sendMessage":
                extra = {"text": p["text"]}
                if "reply_markup" in p:
                    extra["reply_markup"] = p["reply_markup"]
                return self._message(int(p["chat_id"]), extra)
            case "sendDocument":
                name = next(iter(call.files.values()))[0] if call.files else "document"
                document = {"file_id": "local", "file_unique_id": "local", "file_name": name}
                return self._message(
                    int(p["chat_id"]), {"document": document, "caption": p.get("caption", "")}
                )
            case "editMessageText":
                return self._message(int(p["chat_id"]), {"text": p["text"]}) | {"message_id": p["message_id"]}
            case "editMessageReplyMarkup":
                return self._message(int(p["chat_id"]), {"text": ""}) | {"message_id": p["message_id"]}
            case "answerCallbackQuery" | "sendChatAction" | "setMyCommands" | "deleteMyCommands":
                return True
            case "setWebhook" | "deleteWebhook":
                return True
            case "getUpdates":
                return []
        raise UnknownMethodError(call.method)


def _decode(request_data: RequestData | None) -> dict[str, Any]:
    return {} if request_data is None else dict(request_data.parameters)


def _files(request_data: RequestData | None) -> dict[str, tuple[str, bytes]]:
    if request_data is None or not request_data.contains_files:
        return {}
    files: dict[str, tuple[str, bytes]] = {}
    for part, content in request_data.multipart_data.items():
        if isinstance(content, tuple):
            name, data = content[0], content[1]
            files[part] = (name or part, data if isinstance(data, bytes) else data.read())
    return files
