"""Operator commands for broadcasts: ``interhub broadcast create|send|pause|resume|cancel|status|work``."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from actions.broadcast_delivery import BroadcastSender
from actions.broadcast_limiter import SharedLimiter
from actions.broadcasts import BroadcastError, parse_segment
from actions.worker import worker_name
from bot.broadcast_lane import TelegramLane, lane_bot
from bot.cli_support import fail, with_services
from core.i18n import SUPPORTED_LANGUAGES
from core.services import Services
from core.settings import Settings


async def deliver(services: Services, config: Settings) -> None:
    """Send queued broadcast messages through the bot's broadcast lane until nothing is due."""
    assert config.telegram_bot_token is not None
    bot = lane_bot(config.telegram_bot_token, config.telegram_api_base_url)
    async with bot:
        sender = BroadcastSender(
            services.db,
            TelegramLane(bot, services.users),
            SharedLimiter(services.db, config.broadcast_per_second),
            name=worker_name(),
            max_per_week=config.broadcast_max_per_week,
        )
        await sender.run_until_idle()


def cmd_create(args: argparse.Namespace, config: Settings) -> int:
    """Save a draft from a text file; print its id and how many people it would reach."""
    try:
        text = Path(args.text_file).read_text(encoding="utf-8")
        segment = parse_segment(args.segment)
        translations = {}
        for item in args.translation or []:
            lang, _, path = item.partition("=")
            translations[lang] = Path(path).read_text(encoding="utf-8").strip()
        broadcast, count = with_services(
            config,
            lambda s: s.broadcasts.create(
                text, args.language, segment, event_id=args.event, translations=translations
            ),
        )
    except (OSError, UnicodeDecodeError, BroadcastError) as problem:
        return fail(problem)
    if args.json:
        print(json.dumps({"id": broadcast.id, "recipients": count}))
    else:
        print(
            f"broadcast {broadcast.id}: {count} recipients (draft; `interhub broadcast send {broadcast.id}`)"
        )
    return 0


def cmd_send(args: argparse.Namespace, config: Settings) -> int:
    """Confirm a draft (writes the outbox) and, unless --no-wait, send it from this process."""
    if not args.no_wait and config.telegram_bot_token is None:
        return fail("sending needs TELEGRAM_BOT_TOKEN (or use --no-wait and let a worker send)")

    async def send(services: Services) -> dict[str, Any]:
        view = await services.broadcasts.get(args.id)
        if view is None:
            raise BroadcastError(f"no broadcast {args.id}")
        if view.state == "draft":
            count = await services.broadcasts.confirm(args.id)
            print(f"broadcast {args.id}: {count} messages queued", flush=True)
        if not args.no_wait:
            await deliver(services, config)
        done = await services.broadcasts.get(args.id)
        assert done is not None
        return done.as_json()

    try:
        status = with_services(config, send)
    except BroadcastError as problem:
        return fail(problem)
    print(json.dumps(status))
    return 0


def cmd_work(args: argparse.Namespace, config: Settings) -> int:
    """Send every due broadcast message (any broadcast), then stop when nothing is due."""
    if config.telegram_bot_token is None:
        return fail("sending needs TELEGRAM_BOT_TOKEN")
    with_services(config, lambda s: deliver(s, config))
    return 0


def _move(verb: str) -> Callable[[argparse.Namespace, Settings], int]:
    def command(args: argparse.Namespace, config: Settings) -> int:
        try:
            with_services(config, lambda s: getattr(s.broadcasts, verb)(args.id))
        except BroadcastError as problem:
            return fail(problem)
        print(f"broadcast {args.id}: {verb} done")
        return 0

    command.__doc__ = f"{verb.capitalize()} a broadcast."
    return command


def cmd_status(args: argparse.Namespace, config: Settings) -> int:
    """A broadcast's state and outbox counts."""
    view = with_services(config, lambda s: s.broadcasts.get(args.id))
    if view is None:
        return fail(f"no broadcast {args.id}")
    status = view.as_json()
    if args.json:
        print(json.dumps(status))
    else:
        print(
            f"broadcast {status['id']} {status['state']}: {status['sent']}/{status['total']} sent, "
            f"{status['pending']} pending, {status['failed']} failed, {status['unreachable']} unreachable, "
            f"{status['skipped']} skipped"
        )
    return 0


def add_broadcast_commands(sub: Any) -> None:
    """Register ``interhub broadcast …``."""
    group = sub.add_parser("broadcast", help="coach broadcasts")
    commands = group.add_subparsers(dest="broadcast_command", required=True)
    create = commands.add_parser("create", help="save a draft (prints its id and recipient count)")
    create.add_argument("--text-file", required=True, help="the message, in the coach's language")
    create.add_argument("--language", default="en", choices=SUPPORTED_LANGUAGES, help="of the text")
    create.add_argument("--translation", action="append", metavar="LANG=FILE", help="a coach's translation")
    create.add_argument("--event", type=int, help="invite to this published event (adds an Enrol button)")
    create.add_argument("--segment", help='e.g. "country=IT,language=it,sector=food,active_days=30"')
    create.add_argument("--json", action="store_true", help="print JSON")
    create.set_defaults(with_config=True, func=cmd_create)
    send = commands.add_parser("send", help="confirm and send")
    send.add_argument("id", type=int)
    send.add_argument("--no-wait", action="store_true", help="only queue; workers send")
    send.set_defaults(with_config=True, func=cmd_send)
    for verb in ("pause", "resume", "cancel"):
        move = commands.add_parser(verb, help=f"{verb} a broadcast")
        move.add_argument("id", type=int)
        move.set_defaults(with_config=True, func=_move(verb))
    status = commands.add_parser("status", help="state and counts")
    status.add_argument("id", type=int)
    status.add_argument("--json", action="store_true", help="print JSON")
    status.set_defaults(with_config=True, func=cmd_status)
    commands.add_parser("work", help="send due broadcast messages until none is due").set_defaults(
        with_config=True, func=cmd_work
    )
