"""The real Rasa 3.6 server: set up (cached venv), train, serve on a free port, parse, fall back, stop.

Runs only with ``RUN_RASA=1``: the first run installs ``.venv-rasa`` (about 2 minutes, 2.7 GB) and
training takes a few minutes; later runs reuse both.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from nlu import rasa_server
from nlu.embedded import EmbeddedNlu
from nlu.rasa_backend import FallbackNlu, RasaNlu
from nlu.rasa_server import RasaServer

pytestmark = [
    pytest.mark.rasa,
    pytest.mark.skipif(
        os.environ.get("RUN_RASA") != "1",
        reason="Rasa integration test: set RUN_RASA=1 (needs Python 3.10; installs .venv-rasa once)",
    ),
]

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
def model() -> Path:
    """The Rasa venv (reused when installed) and the model of nlu/data + config.yml (reused when current)."""
    rasa_server.setup()
    return rasa_server.train().model


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
