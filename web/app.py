"""The dashboard's ASGI app: routes in one list, dependencies passed in, no globals.

``create_app`` takes the database and, for webhook mode, extra routes and a lifespan from the bot (so this
package never imports Telegram): then one app on one port serves the webhook, ``/healthz`` and the pages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Lifespan, Message, Receive, Scope, Send

from core.db import Database
from web import auth, views
from web.accounts import AccountService
from web.reports_source import ModuleReports, Reports
from web.sessions import SessionStore

HERE = Path(__file__).resolve().parent
HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]


@dataclass
class WebContext:
    """What every handler needs, kept on ``app.state.web``."""

    db: Database
    accounts: AccountService
    sessions: SessionStore
    reports: Reports
    templates: Jinja2Templates
    secure_cookies: bool


class SecurityHeaders:
    """Adds the content security policy and friends to every response; pages are never cached."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += HEADERS
                if not scope["path"].startswith("/static/"):
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


async def healthz(_request: Request) -> Response:
    """Liveness for the load balancer (webhook mode uses the bot's own /healthz)."""
    return JSONResponse({"status": "ok"})


def templates() -> Jinja2Templates:
    """The Jinja2 environment: autoescaped HTML templates beside this package."""
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return Jinja2Templates(env=env)


def create_app(
    db: Database,
    *,
    reports: Reports | None = None,
    secure_cookies: bool = False,
    extra_routes: Sequence[BaseRoute] = (),
    lifespan: Lifespan[Any] | None = None,
) -> Starlette:
    """The dashboard on ``db``; ``extra_routes`` (the webhook) come first and win on a shared path."""
    routes: list[BaseRoute] = [
        *extra_routes,
        Route("/healthz", healthz, methods=["GET"]),
        Route("/", views.home, methods=["GET"]),
        Route("/login", auth.login_form, methods=["GET"]),
        Route("/login", auth.login, methods=["POST"]),
        Route("/logout", auth.logout, methods=["POST"]),
        Route("/language", auth.language, methods=["POST"]),
        Route("/{page}.csv", views.csv_download, methods=["GET"]),
        Route("/{page}", views.page, methods=["GET"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={404: views.not_found, 405: views.not_found, 500: views.server_error},
    )
    app.add_middleware(SecurityHeaders)
    app.state.web = WebContext(
        db=db,
        accounts=AccountService(db),
        sessions=SessionStore(db),
        reports=reports if reports is not None else ModuleReports(),
        templates=templates(),
        secure_cookies=secure_cookies,
    )
    return app
