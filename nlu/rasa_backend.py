"""Rasa over HTTP (``POST /model/parse``) and a wrapper that falls back to another backend.

Rasa 3.6 cannot live in InterHub's Python 3.11 environment, so it runs as its own server
(``interhub rasa serve``) and this module is the only place that talks to it.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import httpx

from nlu.backend import FALLBACK_INTENT, Entity, NluBackend, Parse

log = logging.getLogger(__name__)

__all__ = ["FallbackNlu", "RasaNlu", "RasaUnavailable"]


class RasaUnavailable(Exception):
    """Rasa did not answer usefully: timeout, connection error, HTTP error or a malformed body."""


class RasaNlu:
    """An :class:`~nlu.backend.NluBackend` that asks a running Rasa server.

    Args:
        url: Base URL of the server, e.g. ``http://127.0.0.1:5005``.
        token: The server's ``--auth-token``; sent as ``?token=`` (Rasa's token auth).
        timeout: Seconds for the whole request (connect, send, wait, read).
        client: An ``httpx.AsyncClient`` to use instead of an own one (tests, connection sharing).
    """

    name = "rasa"

    def __init__(
        self,
        url: str,
        token: str | None = None,
        timeout: float = 1.5,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self._params = {"token": token} if token else {}
        self._own_client = client is None
        self._client = client or httpx.AsyncClient(timeout=httpx.Timeout(timeout), trust_env=False)
        self.timeout = timeout

    async def parse(self, text: str) -> Parse:
        """Understand one message; raise :class:`RasaUnavailable` on any failure."""
        try:
            response = await self._client.post(
                f"{self.url}/model/parse", params=self._params, json={"text": text}, timeout=self.timeout
            )
        except httpx.TimeoutException as exc:
            raise RasaUnavailable(f"no answer within {self.timeout:g} s") from exc
        except httpx.TransportError as exc:
            raise RasaUnavailable(f"cannot reach {self.url}: {type(exc).__name__}") from exc
        if response.status_code != 200:
            raise RasaUnavailable(f"HTTP {response.status_code} from /model/parse")
        try:
            return to_parse(response.json(), text)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise RasaUnavailable(f"malformed /model/parse answer: {type(exc).__name__}") from exc

    async def aclose(self) -> None:
        """Close the HTTP client if this object created it."""
        if self._own_client:
            await self._client.aclose()


def to_parse(body: Any, text: str) -> Parse:
    """Turn Rasa's ``/model/parse`` JSON into a :class:`Parse` (a ``None`` intent becomes the fallback)."""
    intent = body.get("intent") or {}
    name = intent.get("name") or FALLBACK_INTENT
    entities = tuple(
        Entity(
            entity=str(item["entity"]),
            value=str(item.get("value", text[item["start"] : item["end"]])),
            start=int(item["start"]),
            end=int(item["end"]),
            text=text[int(item["start"]) : int(item["end"])],
        )
        for item in body.get("entities") or ()
    )
    ranking = tuple(
        (str(item["name"]), float(item["confidence"])) for item in body.get("intent_ranking") or ()
    )
    return Parse(
        text=text,
        intent=str(name),
        confidence=float(intent.get("confidence") or 0.0),
        entities=entities,
        ranking=ranking,
        backend=RasaNlu.name,
    )


class FallbackNlu:
    """Ask ``primary``; when it is down, slow or broken, answer with ``fallback`` for that message.

    Each fallback is logged (without the message text) and counted in :attr:`fallbacks`. After a
    failure the primary is left alone for ``retry_after`` seconds, so a dead server costs one timeout,
    not one per message; then it is tried again.
    """

    def __init__(self, primary: RasaNlu, fallback: NluBackend, retry_after: float = 5.0) -> None:
        self.primary = primary
        self.fallback = fallback
        self.retry_after = retry_after
        self.name = primary.name
        #: Messages answered by the fallback (read by the bench and the dashboard).
        self.fallbacks = 0
        #: Why the last fallback happened, e.g. ``"no answer within 1.5 s"``.
        self.last_error: str | None = None
        self._skip_until = 0.0

    async def parse(self, text: str) -> Parse:
        """Understand one message with the primary, else the fallback."""
        if time.monotonic() >= self._skip_until:
            try:
                return await self.primary.parse(text)
            except RasaUnavailable as exc:
                self.last_error = str(exc)
                self._skip_until = time.monotonic() + self.retry_after
                log.warning(
                    "NLU %s unavailable (%s): using %s for now", self.primary.name, exc, self.fallback.name
                )
        self.fallbacks += 1
        return await self.fallback.parse(text)

    async def aclose(self) -> None:
        """Close the primary's HTTP client."""
        await self.primary.aclose()
