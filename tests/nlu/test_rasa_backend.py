"""RasaNlu against a fake Rasa server on loopback, and FallbackNlu when Rasa is down, slow or broken."""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from core.settings import load_settings
from nlu import rasa_server
from nlu.backend import FALLBACK_INTENT, Entity, Parse
from nlu.compare import percentile, top_intent, write_nlu_yaml
from nlu.rasa_backend import FallbackNlu, RasaNlu, RasaUnavailable
from nlu.select import build_nlu
from nlu.training_data import EntitySpan, Example, load_training_data

TEXT = "Kako otvoriti tvrtku u Njemačkoj?"
ANSWER = {
    "text": TEXT,
    "intent": {"name": "ask_question", "confidence": 0.91},
    "entities": [
        {"entity": "country", "start": 23, "end": 32, "value": "DE", "extractor": "DIETClassifier"},
    ],
    "intent_ranking": [
        {"name": "ask_question", "confidence": 0.91},
        {"name": "help", "confidence": 0.05},
    ],
}


@dataclass
class FakeRasa:
    """What the fake server answers, and what it was asked."""

    url: str
    status: int = 200
    body: Any = field(default_factory=lambda: ANSWER)
    delay: threading.Event | None = None
    requests: list[tuple[str, dict[str, list[str]], Any]] = field(default_factory=list)


@pytest.fixture
def fake_rasa() -> Iterator[FakeRasa]:
    """A tiny HTTP server with the shape of Rasa's ``POST /model/parse``."""
    state = FakeRasa(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            url = urlsplit(self.path)
            payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            state.requests.append((url.path, parse_qs(url.query), payload))
            if state.delay is not None:
                state.delay.wait(5)
            data = json.dumps(state.body).encode()
            self.send_response(state.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            """Keep the test output quiet."""

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request: Any, client_address: Any) -> None:
            """A client that gave up (the timeout test) is expected."""

    server = Server(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield state
    if state.delay is not None:
        state.delay.set()
    server.shutdown()
    server.server_close()
    thread.join(5)


class Canned:
    """An embedded stand-in that always gives the same answer."""

    name = "embedded"

    def __init__(self) -> None:
        self.calls: list[str] = []

    async def parse(self, text: str) -> Parse:
        self.calls.append(text)
        return Parse(text=text, intent="greet", confidence=0.5, backend=self.name)


def closed_port() -> int:
    """A loopback port on which nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_parse_maps_rasa_answer_and_sends_token(fake_rasa: FakeRasa) -> None:
    rasa = RasaNlu(fake_rasa.url, token="s3cret", timeout=2)
    try:
        parse = await rasa.parse(TEXT)
    finally:
        await rasa.aclose()
    assert parse == Parse(
        text=TEXT,
        intent="ask_question",
        confidence=0.91,
        entities=(Entity("country", "DE", 23, 32, "Njemačkoj"),),
        ranking=(("ask_question", 0.91), ("help", 0.05)),
        backend="rasa",
    )
    assert fake_rasa.requests == [("/model/parse", {"token": ["s3cret"]}, {"text": TEXT})]


async def test_no_intent_becomes_the_fallback_intent(fake_rasa: FakeRasa) -> None:
    fake_rasa.body = {"text": "?", "intent": {"name": None, "confidence": 0.0}, "entities": []}
    rasa = RasaNlu(fake_rasa.url, timeout=2)
    try:
        parse = await rasa.parse("?")
    finally:
        await rasa.aclose()
    assert (parse.intent, parse.confidence, parse.entities) == (FALLBACK_INTENT, 0.0, ())
    assert fake_rasa.requests[0][1] == {}


@pytest.mark.parametrize(
    ("status", "body"), [(401, {"message": "no"}), (500, {}), (200, ["not", "a", "dict"])]
)
async def test_http_errors_raise_rasa_unavailable(fake_rasa: FakeRasa, status: int, body: Any) -> None:
    fake_rasa.status, fake_rasa.body = status, body
    rasa = RasaNlu(fake_rasa.url, timeout=2)
    try:
        with pytest.raises(RasaUnavailable):
            await rasa.parse("hi")
    finally:
        await rasa.aclose()


async def test_timeout_uses_fallback_counts_it_and_logs_without_text(
    fake_rasa: FakeRasa, caplog: pytest.LogCaptureFixture
) -> None:
    fake_rasa.delay = threading.Event()
    embedded = Canned()
    nlu = FallbackNlu(RasaNlu(fake_rasa.url, timeout=0.2), embedded)
    try:
        with caplog.at_level(logging.WARNING, logger="nlu.rasa_backend"):
            parse = await nlu.parse("my secret question")
    finally:
        await nlu.aclose()
    assert (parse.backend, nlu.fallbacks, embedded.calls) == ("embedded", 1, ["my secret question"])
    assert nlu.last_error == "no answer within 0.2 s"
    assert len(caplog.records) == 1
    assert "secret" not in caplog.text


async def test_connection_refused_uses_fallback() -> None:
    nlu = FallbackNlu(RasaNlu(f"http://127.0.0.1:{closed_port()}", timeout=1), Canned())
    try:
        parse = await nlu.parse("hello")
    finally:
        await nlu.aclose()
    assert (parse.intent, parse.backend, nlu.fallbacks) == ("greet", "embedded", 1)
    assert nlu.last_error is not None and nlu.last_error.startswith("cannot reach")


async def test_server_error_falls_back_then_recovers(fake_rasa: FakeRasa) -> None:
    fake_rasa.status = 503
    nlu = FallbackNlu(RasaNlu(fake_rasa.url, timeout=2), Canned(), retry_after=0)
    try:
        first = await nlu.parse("hi")
        fake_rasa.status = 200
        second = await nlu.parse(TEXT)
    finally:
        await nlu.aclose()
    assert (first.backend, second.backend, nlu.fallbacks) == ("embedded", "rasa", 1)


async def test_after_a_failure_rasa_is_left_alone_for_a_while(fake_rasa: FakeRasa) -> None:
    fake_rasa.status = 500
    nlu = FallbackNlu(RasaNlu(fake_rasa.url, timeout=2), Canned(), retry_after=60)
    try:
        parses = [await nlu.parse(f"message {i}") for i in range(3)]
    finally:
        await nlu.aclose()
    assert [p.backend for p in parses] == ["embedded"] * 3
    assert (len(fake_rasa.requests), nlu.fallbacks) == (1, 3)


@pytest.mark.parametrize("backend", ["embedded", "rasa"])
def test_build_nlu_wraps_rasa_around_the_embedded_backend(
    monkeypatch: pytest.MonkeyPatch, backend: str
) -> None:
    embedded = Canned()
    monkeypatch.setattr("nlu.train.load_embedded", lambda: embedded)
    settings = load_settings(
        nlu_backend=backend,
        rasa_url="http://127.0.0.1:5999/",
        rasa_token="t",
        rasa_timeout=0.7,
        _env_file=None,
    )
    nlu = build_nlu(settings)
    if backend == "embedded":
        assert nlu is embedded
        return
    assert isinstance(nlu, FallbackNlu)
    assert (nlu.name, nlu.fallback, nlu.primary.url, nlu.primary.timeout) == (
        "rasa",
        embedded,
        "http://127.0.0.1:5999",
        0.7,
    )


def fake_venv(root: Path) -> Path:
    """A folder that looks like a complete Rasa venv to :func:`rasa_server.is_installed`."""
    venv = root / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "rasa").touch()
    (venv / "bin" / "python").touch()
    (venv / ".interhub-rasa").write_text(rasa_server.RASA_VERSION + "\n")
    return venv


def test_fingerprint_follows_data_and_config(tmp_path: Path) -> None:
    data, config = tmp_path / "data", tmp_path / "config.yml"
    (data / "en").mkdir(parents=True)
    (data / "en" / "a.yml").write_text("nlu: []\n")
    config.write_text("pipeline: []\n")
    first = rasa_server.fingerprint(data, config)
    assert rasa_server.fingerprint(data, config) == first
    (data / "en" / "a.yml").write_text("nlu: [] # changed\n")
    second = rasa_server.fingerprint(data, config)
    config.write_text("pipeline: [] # changed\n")
    assert len({first, second, rasa_server.fingerprint(data, config)}) == 3


def test_no_python_310_is_one_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("RASA_PYTHON", raising=False)
    with pytest.raises(rasa_server.RasaError, match=r"Rasa 3\.6 needs Python 3\.10 .* RASA_PYTHON"):
        rasa_server.find_python()


def test_setup_reuses_a_complete_venv_and_train_a_current_model(tmp_path: Path) -> None:
    venv = fake_venv(tmp_path)
    assert rasa_server.setup(venv, echo=pytest.fail).reused
    data, config, out = tmp_path / "data", tmp_path / "config.yml", tmp_path / "out"
    data.mkdir()
    config.write_text("pipeline: []\n")
    out.mkdir()
    name = f"nlu-{rasa_server.fingerprint(data, config)}"
    (out / f"{name}.tar.gz").touch()
    (out / f"{name}.json").write_text('{"train_seconds": 42.5}')
    report = rasa_server.train(data, config, out, venv, echo=pytest.fail)
    assert report == rasa_server.TrainReport(out / f"{name}.tar.gz", True, 42.5)


def test_train_without_setup_says_what_to_run(tmp_path: Path) -> None:
    with pytest.raises(rasa_server.RasaError, match="make rasa"):
        rasa_server.train(tmp_path, tmp_path / "config.yml", tmp_path, tmp_path / "no-venv")


def test_split_written_as_rasa_yaml_reads_back_the_same(tmp_path: Path) -> None:
    examples = [
        Example(
            "Kako otvoriti tvrtku u Njemačkoj?",
            "ask_question",
            "hr",
            (EntitySpan(23, 32, "country", "DE"),),
            tmp_path,
        ),
        Example("ciao", "greet", "it", (), tmp_path),
        Example("hello", "greet", "en", (), tmp_path),
    ]
    write_nlu_yaml(examples, tmp_path / "data")
    back = load_training_data(tmp_path / "data").examples
    assert sorted((e.text, e.intent, e.language, e.entities) for e in back) == sorted(
        (e.text, e.intent, e.language, e.entities) for e in examples
    )


def test_top_intent_looks_past_the_fallback() -> None:
    fell_back = Parse("x", FALLBACK_INTENT, 0.3, ranking=((FALLBACK_INTENT, 0.7), ("help", 0.3)))
    assert (top_intent(fell_back), top_intent(Parse("x", "greet", 0.9))) == ("help", "greet")
    assert (percentile([3.0, 1.0, 2.0, 4.0], 50), percentile([3.0, 1.0, 2.0, 4.0], 95)) == (2.0, 4.0)
