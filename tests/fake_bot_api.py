"""A faithful fake of the Telegram Bot API on loopback, for end-to-end tests.

It speaks real HTTP, decodes PTB's form-encoded and multipart requests, answers with the Bot API's
JSON shapes (dates in seconds, ``is_bot``, ``chat_instance``), validates what Telegram validates
(text length, HTML entities, callback data, editable messages, answerable queries), serves
``getUpdates`` with offsets and long polling, and can inject 429, 403 and 5xx answers.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import itertools
import json
import re
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.loopback import serve

TOKEN = "123456:TEST-token"
BOT = {
    "id": 123456,
    "is_bot": True,
    "first_name": "InterHub Test",
    "username": "interhub_test_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
JSON_FIELDS = {"reply_markup", "allowed_updates", "commands", "entities", "link_preview_options", "scope"}
INT_FIELDS = {"chat_id", "message_id", "offset", "timeout", "limit", "cache_time"}
HTML_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "span",
    "tg-spoiler",
    "a",
    "code",
    "pre",
    "blockquote",
    "tg-emoji",
}
CHAT_ACTIONS = {
    "typing",
    "upload_photo",
    "record_video",
    "upload_video",
    "record_voice",
    "upload_voice",
    "upload_document",
    "choose_sticker",
    "find_location",
    "record_video_note",
    "upload_video_note",
}


class ApiError(Exception):
    """An error answer: Telegram's error_code, description and optional parameters."""

    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.parameters = code, description, parameters


@dataclass
class Call:
    """One request the bot made."""

    method: str
    params: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)
    status: int = 200
    result: Any = None
    at: float = field(default_factory=time.monotonic)  # when the request arrived


class _HtmlCheck(HTMLParser):
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in HTML_TAGS:
            raise ApiError(400, f'Bad Request: can\'t parse entities: unsupported start tag "{tag}"')

    def handle_endtag(self, tag: str) -> None:
        if tag not in HTML_TAGS:
            raise ApiError(400, f'Bad Request: can\'t parse entities: unexpected end tag "{tag}"')


def _check_html(text: str) -> None:
    # Telegram rejects a bare "<" or "&" that does not start a tag or an entity.
    if re.search(r"<(?![a-zA-Z/])", text) or re.search(r"&(?!(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)", text):
        raise ApiError(400, "Bad Request: can't parse entities: unescaped character")
    _HtmlCheck().feed(text)


class FakeBotApi:
    """The server's state plus helpers for tests to inject updates and read what the bot did."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._pending: list[tuple[dict[str, Any], bool]] = []
        self.commands: dict[str, list[dict[str, str]]] = {}
        self.webhook: dict[str, Any] = {}
        self._failures: list[tuple[str, int, dict[str, Any] | None, str, int | None]] = []
        self._update_ids = itertools.count(1000)
        self._message_ids = itertools.count(1)
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._open_queries: set[str] = set()
        self.blocked: set[int] = set()  # chats whose person blocked the bot: every send gets a 403
        self.limits: tuple[int, float] | None = None  # (per second for the bot, seconds per chat) → 429
        self._bot_sends: collections.deque[float] = collections.deque()
        self._chat_sends: dict[int, float] = {}
        self._new_update = asyncio.Event()
        self._new_call = asyncio.Event()
        self.port = 0
        self._serving: AbstractAsyncContextManager[int]

    # ---- lifecycle -------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """What TELEGRAM_API_BASE_URL should be."""
        return f"http://127.0.0.1:{self.port}/bot"

    async def start(self) -> None:
        """Serve on a free loopback port."""
        app = Starlette(routes=[Route("/bot{token}/{method}", self._endpoint, methods=["GET", "POST"])])
        self._serving = serve(app)
        self.port = await self._serving.__aenter__()

    async def stop(self) -> None:
        """Stop serving."""
        await self._serving.__aexit__(None, None, None)

    # ---- test-side helpers -------------------------------------------------------------------
    def fail_next(
        self,
        method: str,
        code: int,
        *,
        retry_after: int | None = None,
        description: str = "",
        chat_id: int | None = None,
    ) -> None:
        """Make the next call of a method (to a chat, if given) fail with an error code (429, 403, 5xx…)."""
        parameters = {"retry_after": retry_after} if retry_after is not None else None
        text = description or {
            429: f"Too Many Requests: retry after {retry_after}",
            403: "Forbidden: bot was blocked by the user",
        }.get(code, "Bad Gateway")
        self._failures.append((method, code, parameters, text, chat_id))

    @staticmethod
    def user(user_id: int, language_code: str | None = "en") -> dict[str, Any]:
        """A Telegram user object."""
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}
        if language_code:
            user["language_code"] = language_code
        return user

    def push(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue a raw update (it keeps its update_id: pushing it twice simulates a re-delivery)."""
        self._pending.append((update, False))
        self._new_update.set()
        return update

    def send_text(self, user_id: int, text: str, *, language_code: str | None = "en") -> dict[str, Any]:
        """Queue a private text message from a person."""
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": f"User{user_id}"},
            "from": self.user(user_id, language_code),
            "text": text,
        }
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return self.push({"update_id": next(self._update_ids), "message": message})

    def send_message(self, user_id: int, fields: dict[str, Any], *, language_code: str | None = "en") -> None:
        """Queue a private message with arbitrary content (photo, sticker, location…)."""
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": f"User{user_id}"},
            "from": self.user(user_id, language_code),
            **fields,
        }
        self.push({"update_id": next(self._update_ids), "message": message})

    def press(
        self,
        user_id: int,
        data: str,
        *,
        message_id: int | None = None,
        language_code: str | None = "en",
        by: int | None = None,
    ) -> None:
        """Queue a button press on a message the bot sent (by default its last one with buttons).

        ``user_id`` is the chat; ``by`` is who pressed, when that is someone else (a coach in a group).
        """
        message = self._messages[(user_id, message_id)] if message_id else self.last_with_buttons(user_id)
        if by is not None:
            message = {**message, "chat": {"id": user_id, "type": "supergroup", "title": "Group"}}
        query_id = f"q{next(self._update_ids)}"
        self._open_queries.add(query_id)
        self.push(
            {
                "update_id": next(self._update_ids),
                "callback_query": {
                    "id": query_id,
                    "from": self.user(by if by is not None else user_id, language_code),
                    "chat_instance": f"ci{user_id}",
                    "message": message,
                    "data": data,
                },
            }
        )

    def last_with_buttons(self, chat_id: int) -> dict[str, Any]:
        """The bot's most recent message in a chat that still has buttons."""
        for (chat, _), message in sorted(self._messages.items(), key=lambda kv: -kv[0][1]):
            if chat == chat_id and message.get("reply_markup", {}).get("inline_keyboard"):
                return message
        raise AssertionError(f"no message with buttons in chat {chat_id}")

    def buttons(self, chat_id: int) -> dict[str, str]:
        """Label → callback data of the last message with buttons."""
        rows = self.last_with_buttons(chat_id)["reply_markup"]["inline_keyboard"]
        return {b["text"]: b["callback_data"] for row in rows for b in row}

    def sent(self, chat_id: int | None = None, method: str = "sendMessage") -> list[Call]:
        """Successful calls of a method (to a chat)."""
        return [
            c
            for c in self.calls
            if c.method == method
            and c.status == 200
            and (chat_id is None or c.params.get("chat_id") == chat_id)
        ]

    def texts(self, chat_id: int) -> list[str]:
        """Texts the bot sent to a chat, in order."""
        return [c.params["text"] for c in self.sent(chat_id)]

    async def step(self, user_id: int, action: str, *, language_code: str | None = "en") -> None:
        """Send a text, or press a button for ``button:<data>``, and wait for the bot's next message."""
        before = len(self.sent(user_id))
        if action.startswith("button:"):
            self.press(user_id, action.removeprefix("button:"), language_code=language_code)
        else:
            self.send_text(user_id, action, language_code=language_code)
        await self.wait_for(lambda server: len(server.sent(user_id)) > before)

    async def wait_for(self, predicate: Callable[[FakeBotApi], bool], timeout: float = 10.0) -> None:
        """Wait until the bot's calls satisfy a condition."""
        deadline = asyncio.get_running_loop().time() + timeout
        while not predicate(self):
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise AssertionError(f"timed out; calls: {[c.method for c in self.calls][-15:]}")
            self._new_call.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_call.wait(), remaining)

    async def wait_idle(self, quiet: float = 0.3, timeout: float = 10.0) -> None:
        """Wait until every queued update was fetched and the bot has been quiet for a moment."""
        deadline = asyncio.get_running_loop().time() + timeout
        count = -1
        while asyncio.get_running_loop().time() < deadline:
            if all(sent for _, sent in self._pending) and count == len(self.calls):
                return
            count = len(self.calls)
            await asyncio.sleep(quiet)
        raise AssertionError("bot did not become idle")

    # ---- the HTTP endpoint -------------------------------------------------------------------
    async def _endpoint(self, request: Request) -> JSONResponse:
        method = request.path_params["method"]
        if request.path_params["token"] != TOKEN:
            return JSONResponse(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status_code=401
            )
        params, files = await self._decode(request)
        call = Call(method, params, files)
        self.calls.append(call)
        try:
            if method.startswith("send") and params.get("chat_id") in self.blocked:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            if method.startswith("send") and self.limits is not None:
                self._enforce(params.get("chat_id", 0))
            for index, (name, code, parameters, text, chat) in enumerate(self._failures):
                if name == method and chat in (None, params.get("chat_id")):
                    del self._failures[index]
                    raise ApiError(code, text, parameters)
            result = call.result = await self._dispatch(method, params, files)
        except ApiError as error:
            call.status = error.code
            body: dict[str, Any] = {"ok": False, "error_code": error.code, "description": error.description}
            if error.parameters:
                body["parameters"] = error.parameters
            self._new_call.set()
            return JSONResponse(body, status_code=error.code)
        self._new_call.set()
        return JSONResponse({"ok": True, "result": result})

    def _enforce(self, chat_id: int) -> None:
        """Telegram's flood limits: ``per_bot`` messages in any second, one per chat per interval."""
        per_bot, per_chat = self.limits or (30, 1.0)
        now = time.monotonic()
        while self._bot_sends and self._bot_sends[0] <= now - 1.0:
            self._bot_sends.popleft()
        if len(self._bot_sends) >= per_bot or now - self._chat_sends.get(chat_id, -1e9) < per_chat:
            raise ApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1})
        self._bot_sends.append(now)
        self._chat_sends[chat_id] = now

    async def _decode(self, request: Request) -> tuple[dict[str, Any], dict[str, bytes]]:
        content_type = request.headers.get("content-type", "")
        params: dict[str, Any] = {}
        files: dict[str, bytes] = {}
        if content_type.startswith("application/json"):
            params = json.loads(await request.body() or b"{}")
            return params, files
        async with request.form() as form:
            for key, value in form.multi_items():
                if hasattr(value, "read"):
                    files[key] = await value.read()
                    params[key] = {"file_name": value.filename}
                elif key in JSON_FIELDS:
                    params[key] = json.loads(value)
                elif key in INT_FIELDS:
                    params[key] = int(value)
                else:
                    params[key] = value
        params.update({k: int(v) for k, v in request.query_params.items() if k in INT_FIELDS})
        return params, files

    def _store(self, chat_id: int, fields: dict[str, Any]) -> dict[str, Any]:
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": f"User{chat_id}"},
            "from": BOT,
            **fields,
        }
        self._messages[(chat_id, message["message_id"])] = message
        return message

    def _markup(self, params: dict[str, Any]) -> dict[str, Any]:
        markup = params.get("reply_markup")
        if not markup:
            return {}
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data", "")
                if not 1 <= len(data.encode()) <= 64:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
                if not button.get("text"):
                    raise ApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard")
        return {"reply_markup": markup}

    def _text(self, params: dict[str, Any], limit: int = 4096, key: str = "text") -> str:
        text = params.get(key, "")
        if key == "text" and not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text) > limit:
            raise ApiError(400, "Bad Request: message is too long")
        if params.get("parse_mode") == "HTML":
            _check_html(text)
        return text

    async def _dispatch(self, method: str, p: dict[str, Any], files: dict[str, bytes]) -> Any:
        if method == "getMe":
            return BOT
        if method == "getUpdates":
            return await self._get_updates(p)
        if method == "sendMessage":
            return self._store(p["chat_id"], {"text": self._text(p), **self._markup(p)})
        if method == "sendDocument":
            if "document" not in files:
                raise ApiError(400, "Bad Request: there is no document in the request")
            name = p["document"]["file_name"]
            document = {
                "file_id": f"f{len(files)}",
                "file_unique_id": "u1",
                "file_name": name,
                "file_size": len(files["document"]),
            }
            return self._store(
                p["chat_id"], {"document": document, "caption": self._text(p, 1024, "caption")}
            )
        if method in ("editMessageText", "editMessageReplyMarkup"):
            message = self._messages.get((p.get("chat_id", 0), p.get("message_id", 0)))
            if message is None:
                raise ApiError(400, "Bad Request: message to edit not found")
            if method == "editMessageText":
                message["text"] = self._text(p)
            message.pop("reply_markup", None)
            message.update(self._markup(p))
            return message
        if method == "answerCallbackQuery":
            if p.get("callback_query_id") not in self._open_queries:
                raise ApiError(
                    400, "Bad Request: query is too old and response timeout expired or query ID is invalid"
                )
            self._open_queries.discard(p["callback_query_id"])
            if len(p.get("text", "")) > 200:
                raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
            return True
        if method == "sendChatAction":
            if p.get("action") not in CHAT_ACTIONS:
                raise ApiError(400, "Bad Request: wrong parameter action in request")
            return True
        if method == "setMyCommands":
            for command in p["commands"]:
                if (
                    not re.fullmatch(r"[a-z0-9_]{1,32}", command["command"])
                    or not 1 <= len(command["description"]) <= 256
                ):
                    raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            self.commands[p.get("language_code", "")] = p["commands"]
            return True
        if method == "setWebhook":
            self.webhook = {"url": p["url"], "secret_token": p.get("secret_token")}
            return True
        if method == "deleteWebhook":
            self.webhook = {}
            return True
        raise ApiError(404, "Not Found: method not found")

    async def _get_updates(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = p.get("offset") or 0
        # Confirmed updates are forgotten; a re-pushed duplicate is a new delivery of the same update.
        self._pending = [(u, sent) for u, sent in self._pending if not (sent and u["update_id"] < offset)]
        deadline = time.monotonic() + float(p.get("timeout", 0))
        while not any(self._deliverable(u, sent, offset) for u, sent in self._pending):
            self._new_update.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            try:
                await asyncio.wait_for(self._new_update.wait(), remaining)
            except TimeoutError:
                return []
        batch: list[dict[str, Any]] = []
        for index, (update, sent) in enumerate(self._pending):
            if self._deliverable(update, sent, offset) and len(batch) < int(p.get("limit", 100)):
                batch.append(update)
                self._pending[index] = (update, True)
        return batch

    @staticmethod
    def _deliverable(update: dict[str, Any], sent: bool, offset: int) -> bool:
        return not sent or update["update_id"] >= offset
