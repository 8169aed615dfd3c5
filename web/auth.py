"""Signing in and out, the language selector, and the CSRF checks of every form.

Signed in, a form carries the session's CSRF token. Before sign-in (the login form, the language selector
on it) the token is a random cookie that the form repeats (double submit). A POST without the right token
gets 403.
"""

from __future__ import annotations

import hmac
import secrets
from typing import TYPE_CHECKING, Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from core.i18n import N_
from web.accounts import Outcome
from web.i18n import DEFAULT, WEB_LANGUAGES, from_accept_language, language_names, web_translator
from web.sessions import ABSOLUTE, Session

if TYPE_CHECKING:
    from web.app import WebContext

SESSION_COOKIE = "ih_session"
CSRF_COOKIE = "ih_csrf"
LANGUAGE_COOKIE = "ih_lang"
MAX_FORM_FIELD = 1024
UNSET = object()


def context(request: Request) -> WebContext:
    """The app's dependencies."""
    web: WebContext = request.app.state.web
    return web


async def current_session(request: Request) -> Session | None:
    """The signed-in session of this request (looked up once per request)."""
    if getattr(request.state, "web_session", UNSET) is UNSET:
        token = request.cookies.get(SESSION_COOKIE)
        request.state.web_session = await context(request).sessions.find(token)
    found: Session | None = request.state.web_session
    return found


def language_of(request: Request, session: Session | None) -> str:
    """The session's language, else the language cookie, else the browser's preference, else English."""
    if session is not None and session.language in WEB_LANGUAGES:
        return session.language
    cookie = request.cookies.get(LANGUAGE_COOKIE)
    if cookie in WEB_LANGUAGES:
        return cookie
    return from_accept_language(request.headers.get("accept-language")) or DEFAULT


def secure(request: Request) -> bool:
    """Cookies are Secure on HTTPS, or always when the setting says the site is behind HTTPS."""
    return context(request).secure_cookies or request.url.scheme == "https"


def set_cookie(response: Response, request: Request, name: str, value: str, max_age: int | None) -> None:
    """Every cookie of the dashboard: HttpOnly, SameSite=Lax, Secure behind HTTPS."""
    response.set_cookie(
        name, value, max_age=max_age, path="/", httponly=True, samesite="lax", secure=secure(request)
    )


def local_path(target: str | None, default: str = "/overview") -> str:
    """A redirect target on this site only (no scheme, no host, no protocol-relative URL)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def login_csrf(request: Request) -> str:
    """The pre-sign-in CSRF token: the cookie's, or a new one the response must set."""
    token = request.cookies.get(CSRF_COOKIE)
    if token and 20 <= len(token) <= 128:
        return token
    if getattr(request.state, "new_csrf", None) is None:
        request.state.new_csrf = secrets.token_urlsafe(32)
    fresh: str = request.state.new_csrf
    return fresh


def csrf_ok(form: FormData, expected: str | None) -> bool:
    """Whether the form repeats the expected token (compared in constant time)."""
    sent = form.get("csrf")
    return isinstance(sent, str) and bool(expected) and hmac.compare_digest(sent, expected or "")


def _field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value[:MAX_FORM_FIELD] if isinstance(value, str) else ""


def render(request: Request, template: str, status: int = 200, **values: Any) -> Response:
    """Render a template in the request's language, with the session, CSRF token and translator."""
    found = getattr(request.state, "web_session", None)
    session = found if isinstance(found, Session) else None
    lang = language_of(request, session)
    csrf = session.csrf_token if session is not None else login_csrf(request)
    response = context(request).templates.TemplateResponse(
        request,
        template,
        {
            "_": web_translator(lang),
            "lang": lang,
            "languages": language_names(),
            "session": session,
            "csrf": csrf,
            "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
            **values,
        },
        status_code=status,
    )
    fresh = getattr(request.state, "new_csrf", None)
    if session is None and isinstance(fresh, str):
        set_cookie(response, request, CSRF_COOKIE, fresh, None)
    return response


def forbidden(request: Request, message: str) -> Response:
    """The polite 403 page."""
    return render(request, "error.html", 403, title=N_("Not allowed"), message=message)


async def login_form(request: Request) -> Response:
    """Show the sign-in form (or go to the pages when already signed in)."""
    if await current_session(request) is not None:
        return RedirectResponse(local_path(request.query_params.get("next")), status_code=303)
    return render(request, "login.html", next=local_path(request.query_params.get("next")))


async def login(request: Request) -> Response:
    """Check the CSRF token, the attempt limits and the password; start a session."""
    form = await request.form()
    target = local_path(_field(form, "next"))
    if not csrf_ok(form, request.cookies.get(CSRF_COOKIE)):
        return forbidden(request, N_("This form has expired. Please reload the page and try again."))
    email, password = _field(form, "email"), _field(form, "password")
    address = request.client.host if request.client is not None else "unknown"
    web = context(request)
    outcome, account = await web.accounts.sign_in(email, password, address)
    if outcome is Outcome.LOCKED:
        message = N_("Too many attempts to sign in. For your security, please wait 15 minutes and try again.")
        return render(request, "login.html", 429, error=message, email=email, next=target)
    if account is None:
        message = N_("The e-mail address or the password is not right. Please try again.")
        return render(request, "login.html", 401, error=message, email=email, next=target)
    token = await web.sessions.create(account, language_of(request, None))
    response = RedirectResponse(target, status_code=303)
    set_cookie(response, request, SESSION_COOKIE, token, int(ABSOLUTE.total_seconds()))
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


async def logout(request: Request) -> Response:
    """End the session (with its CSRF token) and go back to the sign-in form."""
    form = await request.form()
    session = await current_session(request)
    if session is None:
        return RedirectResponse("/login", status_code=303)
    if not csrf_ok(form, session.csrf_token):
        return forbidden(request, N_("This form has expired. Please reload the page and try again."))
    await context(request).sessions.end(session.id)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def language(request: Request) -> Response:
    """Switch the language: kept in the session when signed in, and in a cookie for the sign-in page."""
    form = await request.form()
    session = await current_session(request)
    expected = session.csrf_token if session is not None else request.cookies.get(CSRF_COOKIE)
    if not csrf_ok(form, expected):
        return forbidden(request, N_("This form has expired. Please reload the page and try again."))
    chosen = _field(form, "lang")
    if chosen not in WEB_LANGUAGES:
        chosen = DEFAULT
    if session is not None:
        await context(request).sessions.set_language(session.id, chosen)
    response = RedirectResponse(local_path(_field(form, "next")), status_code=303)
    set_cookie(response, request, LANGUAGE_COOKIE, chosen, 365 * 24 * 3600)
    return response
