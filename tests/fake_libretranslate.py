"""A LibreTranslate-compatible server on loopback: deterministic "translations", and failure modes."""

from __future__ import annotations

import asyncio
from contextlib import AbstractAsyncContextManager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.loopback import serve


class FakeLibreTranslate:
    """Answers ``POST /translate`` with ``[target] text``; can be made slow or failing."""

    def __init__(self) -> None:
        self.requests: list[dict[str, str]] = []
        self.delay = 0.0
        self.status = 200
        self.port = 0
        self._serving: AbstractAsyncContextManager[int]

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
        app = Starlette(routes=[Route("/translate", self._translate, methods=["POST"])])
        self._serving = serve(app)
        self.port = await self._serving.__aenter__()

    async def stop(self) -> None:
        """Stop serving."""
        await self._serving.__aexit__(None, None, None)
