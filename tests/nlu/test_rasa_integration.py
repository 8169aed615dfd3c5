"""The real Rasa 3.6 server: set up (cached venv), train, serve on a free port, parse, fall back, stop.

Runs only with ``RUN_RASA=1``: the first run installs ``.venv-rasa`` (about 2 minutes, 2.7 GB) and
trains a model; later runs reuse both (set ``RASA_VENV`` to keep the venv outside a fresh clone).
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from core.i18n import translator
from core.settings import Settings, load_settings
from nlu import rasa_server
from nlu.compare import write_nlu_yaml
from nlu.embedded import EmbeddedNlu
from nlu.rasa_backend import FallbackNlu, RasaNlu
from nlu.rasa_server import RasaServer
from nlu.training_data import DATA_DIR, load_training_data
from tests.e2e import conftest as e2e
from tests.e2e.conftest import BotRunner
from tests.fake_bot_api import TOKEN, FakeBotApi

pytestmark = [
    pytest.mark.rasa,
    pytest.mark.skipif(
        os.environ.get("RUN_RASA") != "1",
        reason="Rasa integration test: set RUN_RASA=1 (needs Python 3.10; installs .venv-rasa once)",
    ),
]

# The end-to-end fixtures (fake Bot API, polling bot); this module's bot_settings points the bot at Rasa.
fake_api = e2e.fake_api
polling_bot = e2e.polling_bot
USER = 4242
LANGUAGES = ("en", "it", "de")
#: A few messages per language that any sensible model of nlu/data gets right.
MESSAGES = [
    ("hello", "greet"),
    ("thank you so much", "thanks"),
    ("ciao, buongiorno", "greet"),
    ("quali eventi ci sono questa settimana?", "list_events"),
    ("Danke schön", "thanks"),
    ("Wie melde ich ein Gewerbe in Deutschland an?", "ask_question"),
]


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Rasa venv (reused when installed) and a model of config.yml trained on the tested languages.

    Training on three of the twelve languages keeps CI's time bounded as ``nlu/data`` grows; the model is
    cached in ``artefacts/rasa`` by content, so later runs reuse it.
    """
    rasa_server.setup()
    data = tmp_path_factory.mktemp("rasa-data")
    examples = [e for e in load_training_data().examples if e.language in LANGUAGES]
    write_nlu_yaml(examples, data)
    (data / "entities.yml").write_bytes((DATA_DIR / "entities.yml").read_bytes())
    return rasa_server.train(data).model


@pytest.fixture
def server(model: Path) -> Iterator[RasaServer]:
    """A Rasa server on a free loopback port with a random token (starting with "-", as one in 64 do)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    with rasa_server.serve(model, port, "-" + secrets.token_urlsafe(16)) as running:
        yield running


async def test_parses_three_languages_refuses_a_wrong_token_and_degrades_when_stopped(
    server: RasaServer, embedded: EmbeddedNlu
) -> None:
    nlu = FallbackNlu(RasaNlu(server.url, server.token, timeout=5), embedded, retry_after=0)
    intruder = FallbackNlu(RasaNlu(server.url, "not-the-token", timeout=5), embedded)
    try:
        parses = [await nlu.parse(text) for text, _ in MESSAGES]
        assert [(p.text, p.intent, p.backend) for p in parses] == [
            (text, intent, "rasa") for text, intent in MESSAGES
        ]
        refused = await intruder.parse("hello")
        assert (refused.backend, intruder.last_error) == ("embedded", "HTTP 401 from /model/parse")
        assert server.rss_bytes() > 100 * 2**20
        server.stop()
        after = await nlu.parse("hello again")
    finally:
        await nlu.aclose()
        await intruder.aclose()
    assert (after.intent, after.backend, nlu.fallbacks) == ("greet", "embedded", 1)
    assert server.process.returncode is not None


@pytest.fixture
def bot_settings(tmp_path: Path, sqlite_template: Path, fake_api: FakeBotApi, server: RasaServer) -> Settings:
    """A real bot on the fake Bot API that parses through the Rasa server (``NLU_BACKEND=rasa``)."""
    database = tmp_path / "bot.db"
    shutil.copy(sqlite_template, database)
    return load_settings(
        database_url=f"sqlite+aiosqlite:///{database}",
        telegram_bot_token=TOKEN,
        telegram_api_base_url=fake_api.base_url,
        nlu_backend="rasa",
        rasa_url=server.url,
        rasa_token=server.token,
        _env_file=None,
    )


async def test_bot_answers_through_rasa_and_carries_on_when_rasa_stops(
    fake_api: FakeBotApi, polling_bot: BotRunner, server: RasaServer
) -> None:
    def replies(count: int) -> Callable[[FakeBotApi], bool]:
        return lambda api: len(api.sent(USER)) >= count

    _ = translator("en")
    async with polling_bot(answering=True) as app:
        nlu = app.services.answerer.nlu if app.services.answerer else None
        assert isinstance(nlu, FallbackNlu)
        try:
            fake_api.send_text(USER, "/start")
            await fake_api.wait_for(replies(1))
            for button in ("lang:en", "consent:yes", "invite:yes", "country:DE", "sector:food"):
                await fake_api.step(USER, f"button:{button}")
            onboarding = len(fake_api.sent(USER))
            fake_api.send_text(USER, "thank you so much")
            await fake_api.wait_for(replies(onboarding + 1))
            assert nlu.fallbacks == 0
            server.stop()
            fake_api.send_text(USER, "hello")
            await fake_api.wait_for(replies(onboarding + 2))
        finally:
            await nlu.aclose()

    assert [text.split("\n")[0] for text in fake_api.texts(USER)[onboarding:]] == [
        _("You're welcome! 😊 Anything else?"),
        _("👋 Hello! Ask me anything about permits, taxes, marketing or staff for your business."),
    ]
    assert (nlu.fallbacks, nlu.last_error is not None) == (1, True)
