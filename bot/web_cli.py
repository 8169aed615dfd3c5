"""``interhub web`` (the dashboard on PORT) and ``interhub web-users add|list|disable|delete|demo``."""

from __future__ import annotations

import argparse
import getpass
import json
import secrets
from pathlib import Path

import uvicorn
from starlette.applications import Starlette

from actions.migrate import upgrade
from actions.roles import parse_countries
from bot.cli_support import fail, with_services
from bot.context import InterHubApp
from bot.webhook import create_webhook_app
from core.db import Database
from core.services import Services
from core.settings import Settings
from web.accounts import WEB_ROLES, Account, AccountError, AccountService
from web.app import create_app

DEMO_ACCOUNTS = (
    ("admin@demo.interhub.example", "admin", frozenset[str]()),
    ("partner-it-de@demo.interhub.example", "partner", frozenset({"IT", "DE"})),
)


def accounts(services: Services) -> AccountService:
    """The dashboard accounts on the services' database."""
    return AccountService(services.db)


def webhook_and_dashboard(app: InterHubApp, config: Settings, db: Database) -> Starlette:
    """One ASGI app: the bot's webhook, /healthz and lifespan (which starts the bot), then the pages."""
    assert config.webhook_url is not None and config.webhook_secret is not None
    hook = create_webhook_app(app, webhook_url=config.webhook_url, secret=config.webhook_secret)
    return create_app(
        db,
        secure_cookies=config.web_secure_cookies,
        extra_routes=hook.routes,
        lifespan=hook.router.lifespan_context,
    )


def cmd_web(args: argparse.Namespace, config: Settings) -> int:
    """Serve the dashboard; with a token and WEBHOOK_URL the same app also serves the bot's webhook."""
    port = args.port or config.port
    if config.telegram_bot_token and config.webhook_url:
        from bot.cli import cmd_run  # webhook mode: one app for the bot, its webhook, /healthz and the pages

        return cmd_run(argparse.Namespace(webhook=True), config.model_copy(update={"port": port}))
    upgrade(config.database_url)
    app = create_app(Database(config.database_url), secure_cookies=config.web_secure_cookies)
    print(f"dashboard on http://{args.host}:{port}/", flush=True)
    uvicorn.run(app, host=args.host, port=port, log_level=config.log_level.lower(), proxy_headers=True)
    return 0


def read_password(path: str | None) -> str:
    """The first line of ``path``, or the password typed twice without echo."""
    if path:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
        return lines[0] if lines else ""
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        raise AccountError("the two passwords differ")
    return first


def cmd_add(args: argparse.Namespace, config: Settings) -> int:
    """Create a dashboard account."""
    try:
        countries = parse_countries(args.countries)
        password = read_password(args.password_file)
        account = with_services(config, lambda s: accounts(s).add(args.email, args.role, password, countries))
    except (ValueError, OSError) as problem:  # AccountError is a ValueError
        return fail(problem)
    scope = ",".join(sorted(account.countries)) or "all countries"
    print(f"{account.email}: dashboard {account.role} ({scope})")
    return 0


def _row(account: Account) -> dict[str, object]:
    return {
        "email": account.email,
        "role": account.role,
        "countries": sorted(account.countries),
        "disabled": account.disabled,
        "created_at": account.created_at.isoformat(),
        "last_login_at": account.last_login_at.isoformat() if account.last_login_at else None,
    }


def cmd_list(args: argparse.Namespace, config: Settings) -> int:
    """List the dashboard accounts."""
    rows = [_row(account) for account in with_services(config, lambda s: accounts(s).list())]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for row in rows:
        scope = ",".join(row["countries"]) or "all"  # type: ignore[arg-type]
        state = "  disabled" if row["disabled"] else ""
        print(
            f"{row['email']}  {row['role']} ({scope})  last sign-in {row['last_login_at'] or 'never'}{state}"
        )
    return 0


def cmd_disable(args: argparse.Namespace, config: Settings) -> int:
    """Disable an account and end its sessions."""
    if not with_services(config, lambda s: accounts(s).disable(args.email)):
        return fail(f"no dashboard account {args.email}")
    print(f"{args.email}: disabled, signed out everywhere")
    return 0


def cmd_delete(args: argparse.Namespace, config: Settings) -> int:
    """Erase an account with its sessions and sign-in attempts (what a departing staff member may ask)."""
    counts = with_services(config, lambda s: accounts(s).delete(args.email))
    if counts is None:
        return fail(f"no dashboard account {args.email}")
    sessions, attempts = counts["web_sessions"], counts["web_login_attempts"]
    print(f"{args.email}: deleted ({sessions} sessions, {attempts} sign-in attempts)")
    return 0


def cmd_demo(args: argparse.Namespace, config: Settings) -> int:
    """Create the demo admin and the IT+DE partner with new passwords; print them once and write them."""
    target = Path(args.write)

    async def create(services: Services) -> list[tuple[str, str, str]]:
        made: list[tuple[str, str, str]] = []
        for email, role, countries in DEMO_ACCOUNTS:
            password = secrets.token_urlsafe(12)
            if await accounts(services).get(email) is None:
                await accounts(services).add(email, role, password, countries)
            elif target.exists():
                continue  # its password is already in the file
            else:
                await accounts(services).set_password(email, password)
            made.append((email, role, password))
        return made

    made = with_services(config, create)
    if not made:
        print(f"demo dashboard accounts already exist; their passwords are in {target}")
        return 0
    lines = [f"{email}  {role}  password: {password}" for email, role, password in made]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    target.chmod(0o600)
    print("Demo dashboard accounts (shown once, also written to " + str(target) + "):")
    print("\n".join("  " + line for line in lines))
    return 0


def add_web_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``interhub web`` and ``interhub web-users …``."""
    web = sub.add_parser("web", help="serve the partner dashboard on PORT")
    web.add_argument("--host", default="0.0.0.0", help="address to listen on (default 0.0.0.0)")
    web.add_argument("--port", type=int, help="port (default: PORT, 8080)")
    web.set_defaults(with_config=True, func=cmd_web)

    users = sub.add_parser("web-users", help="dashboard accounts").add_subparsers(
        dest="web_users", required=True
    )
    add = users.add_parser("add", help="create an account (the password is read without echo)")
    add.add_argument("email")
    add.add_argument("--role", choices=WEB_ROLES, required=True)
    add.add_argument("--countries", help="a partner's countries, e.g. IT,DE")
    add.add_argument("--password-file", help="read the password from the first line of this file")
    add.set_defaults(with_config=True, func=cmd_add)
    listing = users.add_parser("list", help="list the accounts")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(with_config=True, func=cmd_list)
    disable = users.add_parser("disable", help="disable an account and end its sessions")
    disable.add_argument("email")
    disable.set_defaults(with_config=True, func=cmd_disable)
    erase = users.add_parser("delete", help="erase an account, its sessions and its sign-in attempts")
    erase.add_argument("email")
    erase.set_defaults(with_config=True, func=cmd_delete)
    demo = users.add_parser("demo", help="create the demo admin and partner (IT, DE) with new passwords")
    demo.add_argument("--write", default="artefacts/demo-logins.txt", help="file for the passwords")
    demo.set_defaults(with_config=True, func=cmd_demo)
