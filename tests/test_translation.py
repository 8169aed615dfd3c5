"""The translation client: provider over real HTTP on loopback, cache, timeout, failures, offline."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import delete

from actions.models import Translation
from actions.translation import LibreProvider, TranslationClient, TranslationUnavailable, build_provider
from core.services import Services
from tests.fake_libretranslate import FakeLibreTranslate


@pytest.fixture
async def libre() -> AsyncIterator[FakeLibreTranslate]:
    server = FakeLibreTranslate()
    await server.start()
    yield server
    await server.stop()


async def test_translates_through_libretranslate_and_caches(
    services: Services, libre: FakeLibreTranslate
) -> None:
    client = TranslationClient(services.db, LibreProvider(libre.url, "key"), timeout=2)

    first = await client.translate("Register your business", "en", "uk")
    second = await client.translate("Register your business", "en", "uk")

    assert first == second == "[uk] Register your business"
    assert len(libre.requests) == 1
    assert libre.requests[0]["api_key"] == "key"


async def test_slow_provider_times_out(services: Services, libre: FakeLibreTranslate) -> None:
    libre.delay = 2
    client = TranslationClient(services.db, LibreProvider(libre.url, "key", timeout=5), timeout=0.3)

    with pytest.raises(TranslationUnavailable):
        await client.translate("Hello", "en", "fr")
    assert client.failures == 1


async def test_provider_errors_become_unavailable(services: Services, libre: FakeLibreTranslate) -> None:
    libre.status = 500
    client = TranslationClient(services.db, LibreProvider(libre.url, "key"), timeout=2)

    with pytest.raises(TranslationUnavailable):
        await client.translate("Hello", "en", "fr")


async def test_unreachable_provider_becomes_unavailable(services: Services) -> None:
    client = TranslationClient(services.db, LibreProvider("http://127.0.0.1:9/", "key"), timeout=2)

    with pytest.raises(TranslationUnavailable):
        await client.translate("Hello", "en", "fr")


async def test_google_offline_is_unavailable_not_an_error(services: Services) -> None:
    client = TranslationClient(services.db, build_provider("google", None, "k"), timeout=2)

    with pytest.raises(TranslationUnavailable):
        await client.translate("Hello", "en", "ar")


async def test_no_provider_means_offline(services: Services) -> None:
    client = TranslationClient(services.db, build_provider("none", None, "k"))

    assert not client.available
    assert await client.translate("Hello", "en", "en") == "Hello"
    with pytest.raises(TranslationUnavailable):
        await client.translate("Hello", "en", "es")


async def test_article_texts_are_kept_in_memory_but_what_people_write_is_not(services: Services) -> None:
    calls: list[str] = []

    def provider(text: str, source: str, target: str) -> str:
        calls.append(text)
        return f"[{target}] {text}"

    provider.name = "fake"  # type: ignore[attr-defined]
    client = TranslationClient(services.db, provider, timeout=2.0)  # type: ignore[arg-type]
    assert await client.translate("Open a shop", "en", "uk", public=True) == "[uk] Open a shop"
    assert await client.translate("my rent is late", "en", "uk") == "[uk] my rent is late"
    async with services.db.transaction() as session:
        await session.execute(delete(Translation))

    assert await client.translate("Open a shop", "en", "uk", public=True) == "[uk] Open a shop"
    assert await client.translate("my rent is late", "en", "uk") == "[uk] my rent is late"
    assert calls == ["Open a shop", "my rent is late", "my rent is late"]
