"""The real Rasa 3.6 server: set up (cached venv), train, serve on a free port, parse, fall back, stop.

Runs only with ``RUN_RASA=1``: the first run installs ``.venv-rasa`` (about 2 minutes, 2.7 GB) and
trains a model; later runs reuse both (set ``RASA_VENV`` to keep the venv outside a fresh clone).
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from nlu import rasa_server
from nlu.compare import write_nlu_yaml
from nlu.embedded import EmbeddedNlu
from nlu.rasa_backend import FallbackNlu, RasaNlu
from nlu.rasa_server import RasaServer
from nlu.training_data import DATA_DIR, load_training_data

pytestmark = [
    pytest.mark.rasa,
    pytest.mark.skipif(
        os.environ.get("RUN_RASA") != "1",
        reason="Rasa integration test: set RUN_RASA=1 (needs Python 3.10; installs .venv-rasa once)",
    ),
]

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
    """A Rasa server on a free loopback port with a random token."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    with rasa_server.serve(model, port, secrets.token_urlsafe(16)) as running:
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
