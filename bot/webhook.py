"""Webhook mode: a Starlette app that checks Telegram's secret header and queues updates."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from telegram import Update

from bot.app import prepare, shutdown
from bot.context import InterHubApp

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1_000_000
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def webhook_path(webhook_url: str) -> str:
    """The path part of the public webhook URL, where Telegram will POST."""
    return urlsplit(webhook_url).path or "/"


def create_webhook_app(
    app: InterHubApp, *, webhook_url: str, secret: str, register: bool = True
) -> Starlette:
    """Build the ASGI app; its lifespan starts the bot and (optionally) registers the webhook."""

    async def receive_update(request: Request) -> Response:
        if not hmac.compare_digest(request.headers.get(SECRET_HEADER, ""), secret):
            return PlainTextResponse("forbidden", status_code=403)
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
            return PlainTextResponse("too large", status_code=413)
        body = bytearray()
        async for chunk in request.stream():
            body.extend(chunk)
            if len(body) > MAX_BODY_BYTES:
                return PlainTextResponse("too large", status_code=413)
        try:
            payload = json.loads(body)
            if not isinstance(payload, dict) or not isinstance(payload.get("update_id"), int):
                raise ValueError("not an update")
            update = Update.de_json(payload, app.bot)
        except (ValueError, TypeError, KeyError, AttributeError):
            log.warning("webhook received a body that is not an update")
            return PlainTextResponse("bad request", status_code=400)
        await app.update_queue.put(update)
        return Response(status_code=200)

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok", "running": app.running})

    @asynccontextmanager
    async def lifespan(_starlette: Starlette) -> AsyncIterator[None]:
        async with app:
            await prepare(app)
            await app.start()
            if register:
                await app.bot.set_webhook(webhook_url, secret_token=secret, allowed_updates=Update.ALL_TYPES)
            try:
                yield
            finally:
                await shutdown(app)
                await app.stop()

    return Starlette(
        routes=[
            Route(webhook_path(webhook_url), receive_update, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
