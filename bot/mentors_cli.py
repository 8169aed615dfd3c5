"""Operator commands for mentors: ``interhub mentors add FILE.yml``, ``list [--json]``, ``pause|resume``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from actions.mentoring import MentoringError, MentorView, parse_mentors_yaml
from bot.cli_support import fail, with_services
from core.services import Services
from core.settings import Settings


def cmd_add(args: argparse.Namespace, config: Settings) -> int:
    """Add the mentors of a YAML file (one mapping or a list); print their ids."""
    try:
        drafts = parse_mentors_yaml(Path(args.file).read_text(encoding="utf-8"))
    except (OSError, MentoringError) as problem:
        return fail(problem)

    async def add(services: Services) -> list[MentorView]:
        return [await services.mentoring.add_mentor(draft) for draft in drafts]

    try:
        added = with_services(config, add)
    except MentoringError as problem:
        return fail(problem)
    print("\n".join(str(mentor.id) for mentor in added))
    return 0


def _line(mentor: MentorView) -> str:
    state = "active" if mentor.active else "paused"
    return (
        f"{mentor.id:>4}  {state:<6} {mentor.taken}/{mentor.capacity}  {','.join(mentor.countries):<8} "
        f"{','.join(mentor.sectors):<14} {','.join(mentor.languages):<14} {mentor.name}"
    )


def cmd_list(args: argparse.Namespace, config: Settings) -> int:
    """Every mentor with their current mentees."""
    mentors = with_services(config, lambda s: s.mentoring.mentors())
    if args.json:
        print(json.dumps([mentor.as_json() for mentor in mentors], ensure_ascii=False, indent=2))
    else:
        print("\n".join(_line(mentor) for mentor in mentors) or "no mentors")
    return 0


def cmd_pause(args: argparse.Namespace, config: Settings) -> int:
    """Pause (no new mentees) or resume a mentor."""
    try:
        mentor = with_services(config, lambda s: s.mentoring.set_active(args.id, args.resume))
    except MentoringError as problem:
        return fail(problem)
    print(_line(mentor))
    return 0


def add_mentors_commands(sub: Any) -> None:
    """Register ``interhub mentors …``."""
    mentors = sub.add_parser("mentors", help="mentors").add_subparsers(dest="mentors_command", required=True)
    add = mentors.add_parser("add", help="add mentors from a YAML file (prints their ids)")
    add.add_argument("file")
    add.set_defaults(with_config=True, func=cmd_add)
    listing = mentors.add_parser("list", help="every mentor with their mentees")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(with_config=True, func=cmd_list)
    for name, resume in (("pause", False), ("resume", True)):
        command = mentors.add_parser(name, help=f"{name} a mentor")
        command.add_argument("id", type=int)
        command.set_defaults(with_config=True, func=cmd_pause, resume=resume)
