"""Machine translation behind one client: Google (deep-translator) or LibreTranslate, a timeout on every
call, and a cache in the database.

``TRANSLATOR=none`` (the default) never touches the network. Every failure — offline, slow, refused —
becomes ``TranslationUnavailable``; callers then show the English text with a note, never an error.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

import httpx
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from actions.models import Translation
from core.db import Database

log = logging.getLogger(__name__)

# deep-translator's Google client wants these codes; LibreTranslate takes the plain ones.
GOOGLE_CODES = {"zh": "zh-CN"}


class TranslationUnavailable(Exception):
    """No translation could be had now (no provider, offline, timeout, error)."""


class Provider(Protocol):
    """Something that translates one text synchronously (it runs in a worker thread)."""

    name: str

    def __call__(self, text: str, source: str, target: str) -> str: ...


class GoogleProvider:
    """Google Translate through deep-translator."""

    name = "google"

    def __call__(self, text: str, source: str, target: str) -> str:
        from deep_translator import GoogleTranslator

        translated = GoogleTranslator(
            source=GOOGLE_CODES.get(source, source), target=GOOGLE_CODES.get(target, target)
        ).translate(text)
        return str(translated)


class LibreProvider:
    """A LibreTranslate server, called directly: deep-translator 1.11.4's list of LibreTranslate
    languages predates Slovenian, Croatian, Hungarian and Ukrainian and refuses them."""

    name = "libre"

    def __init__(self, url: str, api_key: str, timeout: float = 3.0) -> None:
        self.url = url.rstrip("/") + "/translate"
        self.api_key = api_key
        self.timeout = timeout

    def __call__(self, text: str, source: str, target: str) -> str:
        payload = {"q": text, "source": source, "target": target, "format": "text", "api_key": self.api_key}
        response = httpx.post(self.url, json=payload, timeout=self.timeout)
        response.raise_for_status()
        return str(response.json()["translatedText"])


#: Translations kept in the process as well, so suggestion titles do not cost a query each.
MEMORY_ENTRIES = 4096
#: Without a provider, "not in the database" is remembered this long (another process may add it).
MISS_SECONDS = 300.0


class TranslationClient:
    """Translates with a provider under a timeout and caches results in the database (and in memory)."""

    def __init__(self, db: Database, provider: Provider | None, timeout: float = 3.0) -> None:
        self.db = db
        self.provider = provider
        self.timeout = timeout
        self.failures = 0
        self._memory: OrderedDict[tuple[str, str, str], str] = OrderedDict()
        self._misses: dict[tuple[str, str, str], float] = {}

    @property
    def available(self) -> bool:
        """Whether a provider is configured at all."""
        return self.provider is not None

    async def translate(self, text: str, source: str, target: str, *, public: bool = False) -> str:
        """Return the translation, from the cache when possible; raise TranslationUnavailable otherwise.

        ``public`` texts (article titles and bodies, never what a person or coach wrote) are also kept
        in this process's memory.
        """
        if source == target or not text.strip():
            return text
        key = (hashlib.sha256(text.encode()).hexdigest(), source, target)
        if public and key in self._memory:
            self._memory.move_to_end(key)
            return self._memory[key]
        if public and self.provider is None and time.monotonic() < self._misses.get(key, 0.0):
            raise TranslationUnavailable("no translation provider configured")
        try:
            translated = await self._cached_or_new(key, text)
        except TranslationUnavailable:
            if public and self.provider is None:
                if len(self._misses) >= MEMORY_ENTRIES:
                    self._misses.clear()
                self._misses[key] = time.monotonic() + MISS_SECONDS
            raise
        if public:
            self._remember(key, translated)
        return translated

    async def _cached_or_new(self, key: tuple[str, str, str], text: str) -> str:
        async with self.db.transaction() as session:
            cached = await session.get(Translation, key)
            if cached is not None:
                return cached.text
        if self.provider is None:
            raise TranslationUnavailable("no translation provider configured")
        _, source, target = key
        translated = await self._call(self.provider, text, source, target)
        await self._store(key[0], source, target, self.provider.name, translated)
        return translated

    def _remember(self, key: tuple[str, str, str], text: str) -> None:
        self._memory[key] = text
        if len(self._memory) > MEMORY_ENTRIES:
            self._memory.popitem(last=False)

    async def _call(self, provider: Provider, text: str, source: str, target: str) -> str:
        call: Callable[[], str] = lambda: provider(text, source, target)  # noqa: E731
        try:
            translated = await asyncio.wait_for(asyncio.to_thread(call), self.timeout)
        except TimeoutError:
            self.failures += 1
            log.warning("translation by %s timed out after %.1f s", provider.name, self.timeout)
            raise TranslationUnavailable("timeout") from None
        except Exception as exc:  # deep-translator lets raw requests errors escape
            self.failures += 1
            log.warning("translation by %s failed: %s", provider.name, type(exc).__name__)
            raise TranslationUnavailable(type(exc).__name__) from None
        if not translated or not translated.strip():
            raise TranslationUnavailable("empty translation")
        return translated

    async def _store(self, key: str, source: str, target: str, provider: str, text: str) -> None:
        values = {
            "source_hash": key,
            "source_lang": source,
            "target_lang": target,
            "provider": provider,
            "text": text,
        }
        insert = pg_insert if self.db.engine.dialect.name == "postgresql" else sqlite_insert
        async with self.db.transaction() as session:
            await session.execute(insert(Translation).values(**values).on_conflict_do_nothing())


def build_provider(
    name: str, libretranslate_url: str | None, api_key: str, timeout: float = 3.0
) -> Provider | None:
    """The configured provider, or None for ``none`` (and for ``libre`` without a URL)."""
    if name == "google":
        return GoogleProvider()
    if name == "libre" and libretranslate_url:
        return LibreProvider(libretranslate_url, api_key, timeout)
    return None
