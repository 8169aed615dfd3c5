"""``interhub ask``: the answering path of the bot, for one question or a JSONL batch."""

from __future__ import annotations

import argparse
import asyncio
import html
import json
import re
import sys
from typing import Any, TextIO

from actions.ask import AskResult
from actions.migrate import upgrade
from actions.models import COUNTRIES
from core.i18n import SUPPORTED_LANGUAGES
from core.services import build_services
from core.settings import Settings

_TAG = re.compile(r"<[^>]+>")


def add_ask_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``ask`` on the main parser."""
    ask = sub.add_parser("ask", help="answer a question exactly as the bot would")
    ask.add_argument("question", nargs="?", help="the question (omit with --batch)")
    ask.add_argument("--country", choices=COUNTRIES, help="the person's country (profile)")
    ask.add_argument("--lang", choices=SUPPORTED_LANGUAGES, help="the person's chosen language")
    ask.add_argument("--json", action="store_true", help="print JSON")
    ask.add_argument("--batch", metavar="FILE.jsonl", help='one {"id", "q", "country", "lang"?} per line')
    ask.set_defaults(with_config=True, func=cmd_ask)


def cmd_ask(args: argparse.Namespace, config: Settings) -> int:
    """Answer one question or a batch."""
    if bool(args.batch) == bool(args.question):
        print("interhub ask: give either a question or --batch FILE.jsonl", file=sys.stderr)
        return 2
    upgrade(config.database_url)
    return asyncio.run(_run(args, config))


async def _run(args: argparse.Namespace, config: Settings) -> int:
    services = build_services(config, answering=True)
    answerer = services.answerer
    assert answerer is not None
    try:
        if args.batch:
            return await _batch(args.batch, answerer, config, sys.stdout)
        result = await answerer.ask(
            args.question, preferred_language=args.lang or config.default_language, country=args.country
        )
        print(json.dumps(result.as_json(), ensure_ascii=False) if args.json else _plain(result))
        return 0
    finally:
        await services.aclose()


async def _batch(path: str, answerer: Any, config: Settings, out: TextIO) -> int:
    problems = 0
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                question = str(item["q"])
            except (ValueError, KeyError, TypeError):
                print(f"interhub ask: line {number}: expected a JSON object with 'q'", file=sys.stderr)
                problems += 1
                continue
            lang = item.get("lang") if item.get("lang") in SUPPORTED_LANGUAGES else config.default_language
            country = item.get("country") if item.get("country") in COUNTRIES else None
            result: AskResult = await answerer.ask(question, preferred_language=lang, country=country)
            out.write(json.dumps(result.as_json(item.get("id")), ensure_ascii=False) + "\n")
    return 1 if problems else 0


def _plain(result: AskResult) -> str:
    text = html.unescape(_TAG.sub("", result.answer))
    lines = [text, ""]
    if result.sources:
        lines += [f"Source: {title} — {url}" for title, url in result.sources]
    lines.append(
        f"[{result.language} · {result.intent} · confidence {result.confidence:.2f} · "
        f"{'answered' if result.answered else 'not answered'}]"
    )
    return "\n".join(lines)
