"""Operator commands: ``interhub users …``, ``worker``, ``jobs list`` and ``privacy purge``."""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from typing import Any

from actions.migrate import upgrade
from actions.models import JOB_STATES, STAFF_ROLES
from actions.roles import parse_countries
from bot.cli_support import with_services
from core.services import build_services
from core.settings import Settings


def cmd_users_grant(args: argparse.Namespace, config: Settings) -> int:
    """Give a person a staff role, optionally limited to some countries."""
    try:
        countries = parse_countries(args.countries)
    except ValueError as problem:
        print(f"interhub: {problem}", file=sys.stderr)
        return 2
    grant = with_services(config, lambda s: s.roles.grant(args.telegram_id, args.role, countries))
    scope = ",".join(sorted(grant.countries)) or "all countries"
    print(f"{grant.telegram_id} is {grant.role} ({scope})")
    return 0


def cmd_users_revoke(args: argparse.Namespace, config: Settings) -> int:
    """Take a staff role away."""
    removed = with_services(config, lambda s: s.roles.revoke(args.telegram_id, args.role))
    print(
        f"{args.telegram_id}: {args.role} removed" if removed else f"{args.telegram_id} was not {args.role}"
    )
    return 0


def cmd_users_list(args: argparse.Namespace, config: Settings) -> int:
    """List the staff (people with a role), one per line or as JSON."""
    grants = with_services(config, lambda s: s.roles.list(args.role))
    people: dict[int, dict[str, Any]] = {}
    for grant in grants:
        person = people.setdefault(
            grant.telegram_id,
            {"telegram_id": grant.telegram_id, "pseudonym": grant.pseudonym, "roles": [], "countries": {}},
        )
        person["roles"].append(grant.role)
        person["countries"][grant.role] = sorted(grant.countries)
    if args.json:
        print(json.dumps(list(people.values()), indent=2))
        return 0
    for person in people.values():
        scopes = ", ".join(f"{r} ({','.join(person['countries'][r]) or 'all'})" for r in person["roles"])
        print(f"{person['telegram_id']}  {person['pseudonym']}  {scopes}")
    return 0


def cmd_jobs_list(args: argparse.Namespace, config: Settings) -> int:
    """List jobs, newest due first."""
    jobs = with_services(config, lambda s: s.jobs.list(args.state))
    rows: list[dict[str, Any]] = [
        {
            "id": job.id,
            "kind": job.kind,
            "state": job.state,
            "due_at": job.due_at.isoformat(),
            "attempts": job.attempts,
            "max_attempts": job.max_attempts,
            "last_error": job.last_error,
            "locked_by": job.locked_by,
        }
        for job in jobs
    ]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for row in rows:
        error = f"  {row['last_error']}" if row["last_error"] else ""
        print(
            f"{row['id']:>6}  {row['state']:<9} {row['due_at'][:19]}  {row['kind']}"
            f"  x{row['attempts']}{error}"
        )
    return 0


def cmd_privacy_purge(args: argparse.Namespace, config: Settings) -> int:
    """Delete what has outlived the retention periods now; print the counts only."""
    from actions.retention import purge

    counts = with_services(config, lambda s: purge(s.db, dry_run=args.dry_run))
    verb = "would delete" if args.dry_run else "deleted"
    for name, count in counts.items():
        print(f"{verb} {count} {name.replace('_', ' ')}")
    return 0


def cmd_worker(args: argparse.Namespace, config: Settings) -> int:
    """Run the jobs worker until interrupted (or, with --once, run the due jobs and exit)."""
    from actions.job_handlers import job_handlers, schedule_recurring
    from actions.worker import JobContext, Worker

    upgrade(config.database_url)

    async def work() -> None:
        services = build_services(config)
        bot = _bot(config)
        try:
            if bot is not None:
                await bot.initialize()
            from bot.notifier import TelegramNotifier

            notifier = TelegramNotifier(bot, services) if bot is not None else None
            worker = Worker(services.jobs, job_handlers(), JobContext(services, notifier))
            await schedule_recurring(services)
            if args.once:
                while await worker.run_once():
                    pass
                return
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signum, worker.stop)
            await worker.run()
        finally:
            if bot is not None:
                await bot.shutdown()
            await services.aclose()

    asyncio.run(work())
    return 0


def _bot(config: Settings) -> Any:
    if not config.telegram_bot_token:
        print(
            "interhub: TELEGRAM_BOT_TOKEN is not set: jobs that message people will retry later",
            file=sys.stderr,
        )
        return None
    from telegram.ext import ExtBot

    return ExtBot(config.telegram_bot_token, base_url=config.telegram_api_base_url)


def add_admin_commands(sub: Any) -> None:
    """Register the operator commands on the ``interhub`` parser."""
    users = sub.add_parser("users", help="staff roles").add_subparsers(dest="users_command", required=True)
    grant = users.add_parser("grant", help="give a role: coach, partner or admin")
    grant.add_argument("telegram_id", type=int)
    grant.add_argument("role", choices=STAFF_ROLES)
    grant.add_argument("--countries", help="limit the scope, e.g. IT,DE (default: all countries)")
    grant.set_defaults(with_config=True, func=cmd_users_grant)
    revoke = users.add_parser("revoke", help="take a role away")
    revoke.add_argument("telegram_id", type=int)
    revoke.add_argument("role", choices=STAFF_ROLES)
    revoke.set_defaults(with_config=True, func=cmd_users_revoke)
    listing = users.add_parser("list", help="people with a staff role")
    listing.add_argument("--role", choices=STAFF_ROLES)
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(with_config=True, func=cmd_users_list)

    worker = sub.add_parser("worker", help="run the jobs worker (reminders, retention, paced sending)")
    worker.add_argument("--once", action="store_true", help="run the jobs due now, then exit")
    worker.set_defaults(with_config=True, func=cmd_worker)
    jobs = sub.add_parser("jobs", help="jobs").add_subparsers(dest="jobs_command", required=True)
    jobs_list = jobs.add_parser("list", help="jobs, newest due first")
    jobs_list.add_argument("--state", choices=JOB_STATES)
    jobs_list.add_argument("--json", action="store_true", help="print JSON")
    jobs_list.set_defaults(with_config=True, func=cmd_jobs_list)

    privacy = sub.add_parser("privacy", help="retention").add_subparsers(
        dest="privacy_command", required=True
    )
    purge = privacy.add_parser("purge", help="delete texts older than 12 months and profiles unused for 24")
    purge.add_argument("--dry-run", action="store_true", help="only count what would be deleted")
    purge.set_defaults(with_config=True, func=cmd_privacy_purge)
