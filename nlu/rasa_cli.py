"""Command line: ``interhub rasa setup|train|serve`` and ``interhub nlu compare``."""

from __future__ import annotations

import argparse
import secrets
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from urllib.parse import urlsplit

from nlu import rasa_server
from nlu.rasa_server import RasaError


def add_rasa_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``rasa`` with ``setup``, ``train`` and ``serve``."""
    rasa = subparsers.add_parser("rasa", help="the optional Rasa NLU server (its own Python 3.10 venv)")
    sub = rasa.add_subparsers(dest="rasa_command", required=True)
    sub.add_parser(
        "setup",
        help=f"create .venv-rasa (Python 3.10) with rasa=={rasa_server.RASA_VERSION}; reused when complete",
    ).set_defaults(func=run_setup)
    train = sub.add_parser("train", help="train nlu/data + config.yml into artefacts/rasa/nlu-<hash>.tar.gz")
    train.add_argument("--data", type=Path, default=rasa_server.DATA_DIR, help="training data folder")
    train.add_argument("--config", type=Path, default=rasa_server.CONFIG, help="Rasa NLU config")
    train.set_defaults(func=run_train)
    serve = sub.add_parser("serve", help="train if needed, then run the Rasa server on loopback until Ctrl-C")
    serve.add_argument("--port", type=int, help="port (default: the one in RASA_URL, else 5005)")
    serve.add_argument("--model", type=Path, help="model file (default: the one for the current data)")
    serve.set_defaults(func=run_serve)


def add_compare_command(nlu_subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``compare`` to the ``interhub nlu`` subcommands."""
    compare = nlu_subparsers.add_parser(
        "compare", help="train the embedded and the Rasa backend on one split and compare them"
    )
    compare.add_argument("--json", action="store_true", help="print one JSON object per backend")
    compare.add_argument("--test-fraction", type=float, default=0.2, help="held-out share (default 0.2)")
    compare.add_argument("--seed", type=int, default=13, help="split seed (default 13)")
    compare.add_argument("--port", type=int, default=0, help="port for the Rasa server (default: a free one)")
    compare.add_argument(
        "--config", type=Path, default=rasa_server.CONFIG, help="Rasa config, also the fallback threshold"
    )
    compare.set_defaults(func=run_compare)


def run_setup(args: argparse.Namespace) -> int:
    """Create or reuse the Rasa venv."""
    return _guard(_setup)


def _setup() -> int:
    report = rasa_server.setup(echo=_say)
    verb = "reused" if report.reused else f"installed in {report.seconds:.0f} s"
    print(f"rasa {rasa_server.RASA_VERSION}: {report.venv} {verb} ({report.size_bytes / 2**30:.1f} GiB)")
    return 0


def run_train(args: argparse.Namespace) -> int:
    """Train the Rasa NLU model unless it is up to date."""
    return _guard(lambda: _train(args.data, args.config))


def _train(data: Path, config: Path) -> int:
    report = rasa_server.train(data, config, echo=_say)
    verb = "up to date" if report.reused else f"trained in {report.seconds:.0f} s"
    print(f"{report.model}: {verb}")
    return 0


def run_serve(args: argparse.Namespace) -> int:
    """Run the Rasa server in the foreground until Ctrl-C or SIGTERM."""
    return _guard(lambda: _serve(args.port, args.model))


def _serve(port: int | None, model: Path | None) -> int:
    from core.settings import load_settings

    settings = load_settings()
    port = port or urlsplit(settings.rasa_url).port or 5005
    token = settings.rasa_token
    if not token:
        token = secrets.token_urlsafe(24)
        print(f"RASA_TOKEN is not set; this server's token: {token}")
    model = model or rasa_server.train(echo=_say).model
    _say(f"starting Rasa on 127.0.0.1:{port} with {model.name} (takes 15-40 s)")
    signal.signal(signal.SIGTERM, _interrupt)
    server = rasa_server.serve(model, port, token)
    try:
        print(f"Rasa ready at {server.url} after {server.ready_seconds:.1f} s; log: {server.log_path}")
        print("set NLU_BACKEND=rasa and RASA_URL/RASA_TOKEN for the bot; Ctrl-C stops the server")
        server.process.wait()
        print(f"rasa run exited with {server.process.returncode}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        server.stop()


def run_compare(args: argparse.Namespace) -> int:
    """Compare both backends on the same held-out split."""
    from nlu.compare import main as compare_main

    return _guard(lambda: compare_main(args.test_fraction, args.seed, args.json, args.port, args.config))


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _guard(step: Callable[[], int]) -> int:
    """Run a step; print a :class:`RasaError` as one line and return 1."""
    try:
        return step()
    except RasaError as exc:
        print(f"interhub: {exc}", file=sys.stderr)
        return 1
