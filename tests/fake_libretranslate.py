"""A LibreTranslate-compatible server on loopback: deterministic "translations", and failure modes."""

from __future__ import annotations

import asyncio
import socket

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


class FakeLibreTranslate:
    """Answers ``POST /translate`` with ``[target] text``; can be made slow or failing."""

    def __init__(self) -> None:
        self.requests: list[dict[str, str]] = []
        self.delay = 0.0
        self.status = 200
        self.port = 0
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        """What LIBRETRANSLATE_URL should be."""
        return f"http://127.0.0.1:{self.port}/"

    async def _translate(self, request: Request) -> JSONResponse:
        payload = await request.json()
        self.requests.append(payload)
        await asyncio.sleep(self.delay)
        if self.status != 200:
            return JSONResponse({"error": "broken"}, status_code=self.status)
        return JSONResponse({"translatedText": f"[{payload['target']}] {payload['q']}"})

    async def start(self) -> None:
        """Serve on a free loopback port."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        app = Starlette(routes=[Route("/translate", self._translate, methods=["POST"])])
        self._server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        while not self._server.started:
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        """Stop serving."""
        if self._server and self._task:
            self._server.should_exit = True
            await self._task
