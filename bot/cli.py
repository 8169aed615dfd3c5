"""The ``interhub`` command: run the bot, chat in the console, manage the database and content."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Callable

from actions.migrate import upgrade
from actions.seed import seed_demo
from actions.seed_activity import ActivitySummary, seed_activity
from actions.surveys.definitions import DefinitionError
from bot.admin_cli import add_admin_commands
from bot.ask_cli import add_ask_command
from bot.broadcast_cli import add_broadcast_commands
from bot.events_cli import add_events_commands
from bot.mentors_cli import add_mentors_commands
from bot.survey_cli import add_survey_commands
from bot.web_cli import add_web_commands
from core.db import Database
from core.i18n import SUPPORTED_LANGUAGES
from core.services import build_services
from core.settings import ConfigError, Settings, load_settings
from knowledge.cli import add_kb_commands
from nlu.cli import add_nlu_commands
from nlu.rasa_cli import add_compare_command, add_rasa_commands

log = logging.getLogger("interhub")
Command = Callable[[argparse.Namespace, Settings], int]


def cmd_db_upgrade(args: argparse.Namespace, config: Settings) -> int:
    """Migrate the database to the newest schema."""
    upgrade(config.database_url)
    print("database is up to date")
    return 0


def cmd_db_seed(args: argparse.Namespace, config: Settings) -> int:
    """Load the demo data (idempotent); with ``--demo`` also months of demo activity for the dashboard."""

    async def seed() -> tuple[bool, ActivitySummary | None]:
        services = build_services(config)
        try:
            added = await seed_demo(services.db)
            return added, await seed_activity(services.db) if args.demo else None
        finally:
            await services.aclose()

    added, activity = asyncio.run(seed())
    if activity is not None:
        print(activity.line())
    elif args.demo:
        print("demo activity already present")
    else:
        print("demo data added" if added else "demo data already present")
    return 0


def cmd_kb_index(args: argparse.Namespace, config: Settings) -> int:
    """Build the article vectors used for questions in languages without curated text."""
    from core.services import shared_knowledge

    index = shared_knowledge().semantic
    print(f"article vectors ready: {len(index.articles)} articles")
    return 0


def cmd_kb_quality(args: argparse.Namespace, config: Settings) -> int:
    """Calibrate the answer thresholds, or report answer quality on a split of the question set."""
    from actions import quality

    upgrade(config.database_url)

    async def measure() -> object:
        services = build_services(config, answering=True)
        try:
            answerer = services.answerer
            assert answerer is not None
            if args.calibrate:
                return await quality.calibrate(answerer, args.set)
            split = None if args.split == "all" else args.split
            return quality.report(await quality.run(answerer, quality.load_questions(split, args.set)))
        finally:
            await services.aclose()

    result = asyncio.run(measure())
    if args.calibrate or args.json:
        print(json.dumps(result, indent=2))
        return 0
    assert isinstance(result, dict)
    columns = {
        "n": "answerable",
        "top1": "top1",
        "top3": "top3",
        "answered": "answered",
        "correct": "answered_correct",
        "oos": "out_of_scope",
        "oos ans.": "out_of_scope_answered",
        "gaps": "gaps",
        "gap ans.": "gaps_answered",
        "lang": "language",
    }
    print(f"{'':8} " + " ".join(f"{title:>8}" for title in columns))
    for name, row in result.items():
        print(f"{name:8} " + " ".join(f"{row[key]!s:>8}" for key in columns.values()))
    return 0


def cmd_kb_gaps(args: argparse.Namespace, config: Settings) -> int:
    """Show what the knowledge base is missing, from real questions."""
    from actions.gaps import knowledge_gaps

    upgrade(config.database_url)

    async def gaps() -> dict[str, object]:
        services = build_services(config)
        try:
            return await knowledge_gaps(services.db)
        finally:
            await services.aclose()

    report = asyncio.run(gaps())
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    print("Unanswered questions (country · topic · language: count)")
    for row in report["unanswered"]:  # type: ignore[attr-defined]
        print(f"  {row['country']} · {row['topic']} · {row['language']}: {row['count']}")
        for example in row["examples"][:5]:
            print(f"      – {example}")
    print("Down-voted articles (article · language: 👎 / 👍)")
    for row in report["down_voted"]:  # type: ignore[attr-defined]
        print(f"  {row['article']} · {row['language']}: {row['down']} / {row['up']}")
    return 0


def cmd_chat(args: argparse.Namespace, config: Settings) -> int:
    """Chat with the bot in this terminal (or through a pipe), offline."""
    from bot.app import build_application
    from bot.console import ConsoleChannel

    upgrade(config.database_url)

    async def chat() -> None:
        services = build_services(config, answering=True)
        channel = ConsoleChannel(user_id=args.user, language_code=args.lang)
        app = build_application(
            config, services, request=channel.api, rate_limit=False, run_worker=config.worker == "on"
        )
        try:
            await channel.run(app)
        finally:
            await services.aclose()

    asyncio.run(chat())
    return 0


def cmd_run(args: argparse.Namespace, config: Settings) -> int:
    """Run the bot: console without a token, webhook with WEBHOOK_URL or --webhook, else long polling."""
    if not config.telegram_bot_token:
        log.warning("TELEGRAM_BOT_TOKEN is not set: starting the console channel")
        return cmd_chat(argparse.Namespace(user=1, lang=None), config)
    from bot.app import build_application

    upgrade(config.database_url)
    services = build_services(config, answering=True)
    app = build_application(config, services, run_worker=config.worker == "on")
    if args.webhook or config.webhook_url:
        return _run_webhook(app, config, services.db)
    from telegram import Update

    app.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0


def _run_webhook(app: object, config: Settings, db: Database) -> int:
    """Serve the webhook, /healthz and the dashboard from one ASGI app on PORT."""
    import uvicorn

    from bot.context import InterHubApp
    from bot.web_cli import webhook_and_dashboard

    assert isinstance(app, InterHubApp)
    if not config.webhook_url or not config.webhook_secret:
        print(
            "interhub: invalid configuration: WEBHOOK_URL and WEBHOOK_SECRET are both required for webhooks",
            file=sys.stderr,
        )
        return 2
    asgi = webhook_and_dashboard(app, config, db)
    uvicorn.run(asgi, host="0.0.0.0", port=config.port, log_level=config.log_level.lower())
    return 0


def build_parser() -> argparse.ArgumentParser:
    """All subcommands; each sets ``func``."""
    parser = argparse.ArgumentParser(prog="interhub", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the bot (console when no token is set)")
    run.add_argument("--webhook", action="store_true", help="serve webhooks and register them with Telegram")
    run.set_defaults(with_config=True, func=cmd_run)

    chat = sub.add_parser("chat", help="chat with the bot in the terminal, offline")
    chat.add_argument("--user", type=int, default=1, help="Telegram user id to act as (default 1)")
    chat.add_argument("--lang", choices=SUPPORTED_LANGUAGES, help="Telegram language_code of that user")
    chat.set_defaults(with_config=True, func=cmd_chat)

    db = sub.add_parser("db", help="database")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="migrate to the newest schema").set_defaults(
        with_config=True, func=cmd_db_upgrade
    )
    seed = db_sub.add_parser("seed", help="load the demo data")
    seed.add_argument(
        "--demo", action="store_true", help="also add a few months of pseudonymous activity (the dashboard's)"
    )
    seed.set_defaults(with_config=True, func=cmd_db_seed)

    kb_commands = add_kb_commands(sub)
    gaps = kb_commands.add_parser("gaps", help="unanswered and 👎 questions, by country, topic and language")
    gaps.add_argument("--json", action="store_true", help="print JSON")
    gaps.set_defaults(with_config=True, func=cmd_kb_gaps)
    kb_commands.add_parser(
        "index", help="embed the articles for multilingual search (when stale)"
    ).set_defaults(with_config=True, func=cmd_kb_index)
    calibrate = kb_commands.add_parser(
        "calibrate", help="choose the answer thresholds on the calibration questions"
    )
    calibrate.add_argument("--set", choices=("retrieval", "blind"), default="retrieval", help="question set")
    calibrate.set_defaults(with_config=True, func=cmd_kb_quality, calibrate=True)
    evaluate = kb_commands.add_parser(
        "eval", help="answer quality on the question set (top-1, top-3, refusals)"
    )
    evaluate.add_argument("--split", choices=("calibration", "test", "all"), default="test")
    evaluate.add_argument("--set", choices=("retrieval", "blind"), default="retrieval", help="question set")
    evaluate.add_argument("--json", action="store_true", help="print JSON")
    evaluate.set_defaults(with_config=True, func=cmd_kb_quality, calibrate=False)
    add_ask_command(sub)
    add_admin_commands(sub)
    add_events_commands(sub)
    add_broadcast_commands(sub)
    add_mentors_commands(sub)
    add_survey_commands(sub)
    add_web_commands(sub)
    add_compare_command(add_nlu_commands(sub))
    add_rasa_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    args = build_parser().parse_args(argv)
    try:
        config = load_settings()
    except ConfigError as exc:
        print(f"interhub: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=config.log_level if args.command != "chat" else "WARNING",
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("httpx", "bm25s"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    func = args.func
    try:
        if getattr(args, "with_config", False):  # InterHub's own commands take the settings too
            return int(func(args, config))
        return int(func(args))
    except DefinitionError as exc:  # a shipped questionnaire file is broken: one line, no traceback
        print(f"interhub: invalid questionnaire: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
