"""Operator commands for questionnaires: ``interhub survey check|list|export|report``.

``report`` and ``export`` print what ``actions.surveys.report`` computes (the dashboard calls the same).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from actions.surveys.definitions import DefinitionError, load_definitions, shipped
from actions.surveys.report import ResponseRecord, export_columns
from actions.surveys.responses import SurveyService
from bot.cli_support import fail, with_services
from core.settings import Settings

T = TypeVar("T")


def _with_surveys(config: Settings, work: Callable[[SurveyService], Awaitable[T]]) -> T:
    return with_services(config, lambda services: work(services.surveys))


def _records(config: Settings, name: str, version: int) -> list[ResponseRecord]:
    return _with_surveys(config, lambda surveys: surveys.records(name, version))


def cmd_check(args: argparse.Namespace, config: Settings) -> int:
    """Validate every questionnaire file."""
    try:
        definitions = load_definitions()
    except DefinitionError as problem:
        return fail(problem)
    for d in definitions.all():
        print(f"ok  {d.name} v{d.version}: {len(d.questions)} questions, 12 languages")
    return 0


def cmd_list(args: argparse.Namespace, config: Settings) -> int:
    """The questionnaires with their versions and response counts."""
    found: list[dict[str, Any]] = []
    for d in shipped().all():
        records = _records(config, d.name, d.version)
        found.append(
            {
                "name": d.name,
                "version": d.version,
                "title": d.title["en"],
                "questions": len(d.questions),
                "per_event": d.per_event,
                "started": sum(1 for r in records if r.answers),
                "completed": sum(1 for r in records if r.status == "submitted"),
            }
        )
    if args.json:
        print(json.dumps(found, ensure_ascii=False, indent=2))
    else:
        for row in found:
            print(
                f"{row['name']:<12} v{row['version']}  {row['questions']:>2} questions  "
                f"{row['completed']}/{row['started']} completed  {row['title']}"
            )
    return 0


def _definition(args: argparse.Namespace) -> Any:
    return shipped().get(args.name, args.version)


def cmd_export(args: argparse.Namespace, config: Settings) -> int:
    """One row per response, a column per question."""
    definition = _definition(args)
    if definition is None:
        return fail(f"no questionnaire {args.name!r}; see `interhub survey list`")
    rows = _with_surveys(config, lambda surveys: surveys.export(definition.name, definition.version))
    if args.format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=export_columns(definition), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    sys.stdout.write(out.getvalue())
    return 0


def cmd_report(args: argparse.Namespace, config: Settings) -> int:
    """Started, completed, per-question figures, NPS and CUQ."""
    definition = _definition(args)
    if definition is None:
        return fail(f"no questionnaire {args.name!r}; see `interhub survey list`")
    report = _with_surveys(config, lambda surveys: surveys.report(definition.name, definition.version))
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    counts = report["responses"]
    print(f"{definition.name} v{definition.version}: {counts['completed']}/{counts['started']} completed")
    if "nps" in report:
        print(f"NPS {report['nps']['score']} ({report['nps']['responses']} answers)")
    if "cuq" in report:
        print(f"CUQ {report['cuq']['mean']} ({report['cuq']['responses']} complete)")
    for q in report["questions"]:
        mean = f" mean {q['mean']}" if q.get("mean") is not None else ""
        print(
            f"  {q['id']:<24} {q['answered']:>4} answered {q['skipped']:>3} skipped "
            f"{q['drop_off']:>3} stopped here{mean}"
        )
    return 0


def add_survey_commands(sub: Any) -> None:
    """Register ``interhub survey …``."""
    survey = sub.add_parser("survey", help="questionnaires").add_subparsers(
        dest="survey_command", required=True
    )
    survey.add_parser("check", help="validate the questionnaire files").set_defaults(
        with_config=True, func=cmd_check
    )
    listing = survey.add_parser("list", help="questionnaires, versions and response counts")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(with_config=True, func=cmd_list)
    for verb, helptext, func in (
        ("export", "one row per response (CSV or JSON)", cmd_export),
        ("report", "aggregates: completion, drop-off, means, NPS, CUQ", cmd_report),
    ):
        command = survey.add_parser(verb, help=helptext)
        command.add_argument("name")
        command.add_argument("--version", type=int, help="questionnaire version (default: the newest)")
        if verb == "export":
            command.add_argument("--format", choices=("csv", "json"), default="csv")
        else:
            command.add_argument("--json", action="store_true", help="print JSON")
        command.set_defaults(with_config=True, func=func)
