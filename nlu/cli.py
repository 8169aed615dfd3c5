"""Command line: ``interhub nlu train|eval`` and ``python -m nlu train|eval``."""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from functools import partial

from nlu.evaluate import evaluate, format_report
from nlu.train import ensure_model, fit, read_threshold
from nlu.training_data import load_training_data


def add_nlu_commands(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse._SubParsersAction[argparse.ArgumentParser]:
    """Add the ``nlu`` command with its ``train`` and ``eval`` subcommands."""
    nlu = subparsers.add_parser("nlu", help="train or evaluate the embedded NLU model")
    nlu_commands = nlu.add_subparsers(dest="nlu_command", required=True)
    _add_subcommands(nlu_commands)
    return nlu_commands


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``train`` or ``eval`` as ``python -m nlu``."""
    parser = argparse.ArgumentParser(prog="python -m nlu", description=__doc__)
    _add_subcommands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    exit_code: int = args.func(args)
    return exit_code


def run_train(args: argparse.Namespace) -> int:
    """Train the model when it is missing or stale (always with ``--force``); print its folder."""
    started = time.perf_counter()
    path = ensure_model(force=args.force)
    print(f"nlu model ready in {time.perf_counter() - started:.1f} s: {path}")
    return 0


def run_eval(args: argparse.Namespace) -> int:
    """Print the held-out and cross-validated scores, as tables or as JSON."""
    fitter = partial(fit, threshold=read_threshold())
    report = evaluate(load_training_data(), fitter, k=args.folds)
    print(json.dumps(report, indent=2, ensure_ascii=False) if args.json else format_report(report))
    return 0


def _add_subcommands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    train = subparsers.add_parser("train", help="train the embedded model when missing or stale")
    train.add_argument("--force", action="store_true", help="train even when the model is up to date")
    train.set_defaults(func=run_train)
    evaluation = subparsers.add_parser("eval", help="held-out and k-fold scores per language and intent")
    evaluation.add_argument("--json", action="store_true", help="print JSON instead of tables")
    evaluation.add_argument(
        "--folds", type=_folds, default=5, metavar="K", help="cross-validation folds (default 5)"
    )
    evaluation.set_defaults(func=run_eval)


def _folds(value: str) -> int:
    folds = int(value)
    if folds < 2:
        raise argparse.ArgumentTypeError("needs at least 2 folds")
    return folds
