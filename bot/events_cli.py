"""Operator commands for events: ``interhub events add|list|show|cancel|attendance``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from actions.events import EventError, EventView, parse_yaml
from bot.cli_support import fail, with_services
from core.services import Services
from core.settings import Settings


def cmd_add(args: argparse.Namespace, config: Settings) -> int:
    """Add an event from a YAML file; print its id."""
    try:
        draft = parse_yaml(Path(args.file).read_text(encoding="utf-8"))
    except (OSError, EventError) as problem:
        return fail(problem)
    event = with_services(config, lambda s: s.events.add(draft))
    print(event.id)
    return 0


def _line(event: EventView) -> str:
    seats = "∞" if event.capacity is None else str(event.capacity)
    return (
        f"{event.id:>4}  {event.local_start:%Y-%m-%d %H:%M} {event.timezone:<16} {event.country} "
        f"{event.status:<9} {event.confirmed}/{seats} (+{event.waitlisted} waiting)  {event.title}"
    )


def cmd_list(args: argparse.Namespace, config: Settings) -> int:
    """Every event, by start."""
    events = with_services(config, lambda s: s.events.find_all())
    if args.json:
        print(json.dumps([event.as_json() for event in events], ensure_ascii=False, indent=2))
    else:
        print("\n".join(_line(event) for event in events) or "no events")
    return 0


def cmd_show(args: argparse.Namespace, config: Settings) -> int:
    """One event with its counts."""
    event = with_services(config, lambda s: s.events.get(args.id))
    if event is None:
        return fail(f"no event {args.id}")
    print(json.dumps(event.as_json(), ensure_ascii=False, indent=2) if args.json else _line(event))
    return 0


def cmd_cancel(args: argparse.Namespace, config: Settings) -> int:
    """Cancel an event; everyone enrolled or waiting is told."""
    try:
        event = with_services(config, lambda s: s.events.cancel(args.id))
    except EventError as problem:
        return fail(problem)
    print(f"event {event.id} cancelled; {event.confirmed + event.waitlisted} people will be told")
    return 0


def cmd_attendance(args: argparse.Namespace, config: Settings) -> int:
    """Mark the people present (Telegram ids)."""
    try:
        ids = [int(part) for part in args.present.split(",") if part.strip()]
    except ValueError:
        return fail("--present takes Telegram ids separated by commas")

    async def mark(services: Services) -> tuple[int, list[int]]:
        known = await services.events.pseudonyms_of(ids)
        changed = await services.events.set_attendance(args.id, known.values())
        return changed, [telegram_id for telegram_id in ids if telegram_id not in known]

    try:
        changed, unknown = with_services(config, mark)
    except EventError as problem:
        return fail(problem)
    print(f"event {args.id}: {changed} marked present")
    if unknown:
        print(f"unknown people: {', '.join(map(str, unknown))}", file=sys.stderr)
    return 0


def cmd_funnel(args: argparse.Namespace, config: Settings) -> int:
    """Invited → enrolled → attended per event (distinct pseudonyms)."""
    rows = with_services(config, lambda s: s.events.funnel())
    if args.json:
        print(json.dumps([row.as_json() for row in rows], ensure_ascii=False, indent=2))
        return 0
    for row in rows:
        print(
            f"{row.event_id:>4}  {row.country} invited {row.invited} → enrolled {row.enrolled} → "
            f"attended {row.attended}  {row.title}"
        )
    if not rows:
        print("no published or finished events")
    return 0


def add_events_commands(sub: Any) -> None:
    """Register ``interhub events …``."""
    events = sub.add_parser("events", help="events").add_subparsers(dest="events_command", required=True)
    add = events.add_parser("add", help="add an event from a YAML file (prints its id)")
    add.add_argument("file")
    add.set_defaults(with_config=True, func=cmd_add)
    listing = events.add_parser("list", help="every event")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(with_config=True, func=cmd_list)
    show = events.add_parser("show", help="one event with its counts")
    show.add_argument("id", type=int)
    show.add_argument("--json", action="store_true", help="print JSON")
    show.set_defaults(with_config=True, func=cmd_show)
    cancel = events.add_parser("cancel", help="cancel an event and tell everyone enrolled")
    cancel.add_argument("id", type=int)
    cancel.set_defaults(with_config=True, func=cmd_cancel)
    attendance = events.add_parser("attendance", help="mark who came")
    attendance.add_argument("id", type=int)
    attendance.add_argument("--present", required=True, help="Telegram ids, e.g. 42,43")
    attendance.set_defaults(with_config=True, func=cmd_attendance)
    funnel = events.add_parser("funnel", help="invited → enrolled → attended per event")
    funnel.add_argument("--json", action="store_true", help="print JSON")
    funnel.set_defaults(with_config=True, func=cmd_funnel)
