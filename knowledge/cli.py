"""Command line: ``interhub kb check|stats`` and ``python -m knowledge check|stats``."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

from knowledge.checker import check_articles
from knowledge.loader import CONTENT_DIR, load_articles_tolerant
from knowledge.models import Severity
from knowledge.stats import coverage_stats, render_matrix


def add_kb_commands(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse._SubParsersAction[argparse.ArgumentParser]:
    """Add the ``kb`` command with its ``check`` and ``stats`` subcommands."""
    kb = subparsers.add_parser("kb", help="check the knowledge base or show its coverage")
    kb_commands = kb.add_subparsers(dest="kb_command", required=True)
    _add_subcommands(kb_commands)
    return kb_commands


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``check`` or ``stats`` as ``python -m knowledge``."""
    parser = argparse.ArgumentParser(prog="python -m knowledge", description=__doc__)
    _add_subcommands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    exit_code: int = args.func(args)
    return exit_code


def run_check(args: argparse.Namespace) -> int:
    """Print errors, then warnings, then a summary; return 1 when there is any error."""
    problems = check_articles(args.root, coverage=args.coverage)
    errors = [problem for problem in problems if problem.severity is Severity.ERROR]
    warnings = [problem for problem in problems if problem.severity is Severity.WARNING]
    for problem in errors + warnings:
        print(problem)
    files = sum(1 for _ in args.root.rglob("*.yml"))
    print(f"kb check: {files} files, {len(errors)} errors, {len(warnings)} warnings")
    return 1 if errors else 0


def run_stats(args: argparse.Namespace) -> int:
    """Print the coverage matrix, as text or as JSON."""
    articles, problems = load_articles_tolerant(args.root)
    stats = coverage_stats(articles)
    if args.json:
        print(json.dumps(stats, indent=2))
    else:
        print(render_matrix(stats))
        if problems:
            print(f"{len({problem.path for problem in problems})} files could not be loaded: run kb check")
    return 0


def _add_subcommands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    check = subparsers.add_parser("check", help="validate every article; exit 1 on any error")
    check.add_argument("--no-coverage", dest="coverage", action="store_false", help="skip the coverage rule")
    _add_root(check)
    check.set_defaults(func=run_check)
    stats = subparsers.add_parser("stats", help="coverage matrix: country × topic × language")
    stats.add_argument("--json", action="store_true", help="print JSON instead of a table")
    _add_root(stats)
    stats.set_defaults(func=run_stats)


def _add_root(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--root", type=_directory, default=CONTENT_DIR, metavar="PATH", help="content folder to read"
    )


def _directory(value: str) -> Path:
    path = Path(value)
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"not a folder: {value}")
    return path
