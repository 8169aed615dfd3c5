"""Signing in: wrong passwords, limits per account and per address, CSRF, cookies, expiry, logout."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import httpx
from sqlalchemy import func, select, update

from actions.models import LoginAttempt, WebSession, WebUser
from core.db import Database
from tests.web.support import PASSWORD, Client, csrf_of, sign_in
from web.accounts import AccountService, Outcome

WRONG = "The e-mail address or the password is not right. Please try again."
LOCKED = "Too many attempts to sign in."


async def test_the_right_password_opens_a_session_and_the_pages(
    client_for: Client, accounts: AccountService
) -> None:
    client = await client_for()
    response = await sign_in(client, "Admin@Example.org ")

    assert (response.status_code, response.headers["location"]) == (303, "/overview")
    assert (await client.get("/overview")).status_code == 200


async def test_a_wrong_password_is_refused_politely_without_a_session(
    client_for: Client, accounts: AccountService
) -> None:
    client = await client_for()
    response = await sign_in(client, "admin@example.org", "not the password")

    assert response.status_code == 401
    assert WRONG in response.text
    assert "ih_session" not in response.headers.get("set-cookie", "")
    assert (await client.get("/overview")).headers["location"].startswith("/login")


async def test_an_unknown_address_gets_the_same_answer_as_a_wrong_password(
    client_for: Client, accounts: AccountService
) -> None:
    client = await client_for()
    response = await sign_in(client, "nobody@example.org")

    assert (response.status_code, WRONG in response.text) == (401, True)


async def test_five_failures_lock_the_account_even_for_the_right_password(
    client_for: Client, accounts: AccountService
) -> None:
    for attempt in range(5):  # five different addresses: the account's own limit is what locks
        client = await client_for(address=f"198.51.100.{attempt}")
        assert (await sign_in(client, "partner@example.org", "guess")).status_code == 401

    client = await client_for(address="198.51.100.99")
    response = await sign_in(client, "partner@example.org", PASSWORD)

    assert response.status_code == 429
    assert LOCKED in response.text
    assert "ih_session" not in response.headers.get("set-cookie", "")
    other = await sign_in(client, "admin@example.org", PASSWORD)  # other accounts are not locked
    assert other.status_code == 303


async def test_five_failures_from_one_address_lock_that_address_for_every_account(
    client_for: Client, accounts: AccountService
) -> None:
    client = await client_for(address="192.0.2.50")
    for email in ("a@example.org", "b@example.org", "c@example.org", "d@example.org", "e@example.org"):
        assert (await sign_in(client, email, "guess")).status_code == 401

    locked = await sign_in(client, "admin@example.org", PASSWORD)
    elsewhere = await sign_in(await client_for(address="192.0.2.51"), "admin@example.org", PASSWORD)

    assert (locked.status_code, elsewhere.status_code) == (429, 303)


async def test_concurrent_wrong_passwords_get_no_more_than_five_checks(
    accounts: AccountService, web_db: Database
) -> None:
    """20 guesses at once for one account (from 20 addresses), then 20 at once from one address (for 20
    accounts): the count and the record are one step, so exactly 5 of each are checked, the rest locked."""
    one_account = [accounts.sign_in("admin@example.org", f"guess {n}", f"198.51.100.{n}") for n in range(20)]
    one_address = [accounts.sign_in(f"u{n}@example.org", "guess", "192.0.2.9") for n in range(20)]

    by_account = Counter(outcome for outcome, _ in await asyncio.gather(*one_account))
    by_address = Counter(outcome for outcome, _ in await asyncio.gather(*one_address))

    assert (by_account, by_address) == ({Outcome.WRONG: 5, Outcome.LOCKED: 15},) * 2
    async with web_db.transaction() as session:
        recorded = await session.scalar(select(func.count()).select_from(LoginAttempt))
    assert recorded == 10  # the locked ones are not recorded, so the lock ends 15 minutes after the 5th
    assert (await accounts.sign_in("admin@example.org", PASSWORD, "198.51.100.99"))[0] is Outcome.LOCKED


async def test_the_lock_lifts_after_15_minutes(
    client_for: Client, accounts: AccountService, web_db: Database
) -> None:
    client = await client_for()
    for _ in range(5):
        await sign_in(client, "coach@example.org", "guess")
    assert (await sign_in(client, "coach@example.org", PASSWORD)).status_code == 429
    async with web_db.transaction() as session:
        await session.execute(update(LoginAttempt).values(at=LoginAttempt.at - timedelta(minutes=16)))

    assert (await sign_in(client, "coach@example.org", PASSWORD)).status_code == 303


async def test_login_without_the_csrf_token_is_refused(client_for: Client, accounts: AccountService) -> None:
    client = await client_for()
    await client.get("/login")  # the browser has the cookie, but the form lacks the token

    missing = await client.post("/login", data={"email": "admin@example.org", "password": PASSWORD})
    forged = await client.post(
        "/login", data={"email": "admin@example.org", "password": PASSWORD, "csrf": "x" * 43}
    )

    assert (missing.status_code, forged.status_code) == (403, 403)
    assert "This form has expired" in missing.text
    async with accounts.db.transaction() as session:
        assert (await session.scalars(select(LoginAttempt))).all() == []  # not even an attempt


async def test_the_session_cookie_is_httponly_lax_and_secure_behind_https(
    client_for: Client, accounts: AccountService
) -> None:
    plain = (await sign_in(await client_for(), "admin@example.org")).headers["set-cookie"].lower()
    https = await sign_in(await client_for(base_url="https://testserver"), "admin@example.org")
    setting = await sign_in(await client_for(secure=True), "admin@example.org")

    assert "httponly" in plain and "samesite=lax" in plain and "secure" not in plain
    assert "secure" in https.headers["set-cookie"].lower()
    assert "secure" in setting.headers["set-cookie"].lower()


async def test_only_a_digest_of_the_session_token_and_an_argon2_hash_are_stored(
    client_for: Client, accounts: AccountService, web_db: Database
) -> None:
    client = await client_for()
    await sign_in(client, "admin@example.org")
    token = client.cookies["ih_session"]

    async with web_db.transaction() as session:
        stored = (await session.scalars(select(WebSession.token_hash))).all()
        hashes = (await session.scalars(select(WebUser.password_hash))).all()

    assert len(stored) == 1 and token not in stored[0] and len(stored[0]) == 64
    assert all(h.startswith("$argon2id$") and PASSWORD not in h for h in hashes)


async def test_logout_needs_the_token_and_ends_the_session(
    client_for: Client, accounts: AccountService, web_db: Database
) -> None:
    client = await client_for()
    await sign_in(client, "coach@example.org")
    token = client.cookies["ih_session"]

    refused = await client.post("/logout", data={})
    assert refused.status_code == 403
    assert (await client.get("/overview")).status_code == 200
    response = await client.post("/logout", data={"csrf": await csrf_of(client, "/overview")})

    assert (response.status_code, response.headers["location"]) == (303, "/login")
    async with web_db.transaction() as session:
        assert (await session.scalars(select(WebSession))).all() == []
    replay = httpx.AsyncClient(transport=client._transport, base_url="http://testserver")
    replay.cookies.set("ih_session", token)
    assert (await replay.get("/overview")).headers["location"].startswith("/login")
    await replay.aclose()


async def test_sessions_expire_after_8_idle_hours_and_24_hours_in_all(
    client_for: Client, accounts: AccountService, web_db: Database
) -> None:
    idle, long = await client_for(), await client_for()
    await sign_in(idle, "coach@example.org")
    await sign_in(long, "admin@example.org")
    async with web_db.transaction() as session:
        rows = (await session.scalars(select(WebSession).order_by(WebSession.id))).all()
        rows[0].last_seen_at -= timedelta(hours=8, minutes=1)
        rows[1].created_at -= timedelta(hours=24, minutes=1)  # seen just now, but signed in yesterday

    assert (await idle.get("/overview")).status_code == 303
    assert (await long.get("/overview")).status_code == 303
    async with web_db.transaction() as session:
        assert (await session.scalars(select(WebSession))).all() == []


async def test_disabling_an_account_ends_its_sessions_and_refuses_sign_in(
    client_for: Client, accounts: AccountService
) -> None:
    client = await client_for()
    await sign_in(client, "partner@example.org")

    assert await accounts.disable("partner@example.org") is True
    assert (await client.get("/overview")).status_code == 303
    assert (await sign_in(await client_for(), "partner@example.org")).status_code == 401


async def test_sign_in_goes_back_to_the_page_asked_for_but_never_to_another_site(
    client_for: Client, accounts: AccountService
) -> None:
    client = await client_for()
    first = await client.get("/questions?country=IT")
    assert first.headers["location"] == "/login?next=%2Fquestions%3Fcountry%3DIT"
    token = await csrf_of(client, first.headers["location"])
    home = await client.post(
        "/login",
        data={
            "email": "admin@example.org",
            "password": PASSWORD,
            "csrf": token,
            "next": "/questions?country=IT",
        },
    )
    assert home.headers["location"] == "/questions?country=IT"

    other = await client_for()
    token = await csrf_of(other)
    away = await other.post(
        "/login",
        data={"email": "admin@example.org", "password": PASSWORD, "csrf": token, "next": "//evil.example"},
    )
    assert away.headers["location"] == "/overview"


async def test_the_language_follows_the_browser_then_the_selector_and_stays_in_the_session(
    client_for: Client, accounts: AccountService, web_db: Database
) -> None:
    client = await client_for()
    german = await client.get("/login", headers={"accept-language": "fr;q=0.9, de-CH, en;q=0.5"})
    assert '<html lang="de">' in german.text
    await sign_in(client, "admin@example.org")

    token = await csrf_of(client, "/overview")
    assert (await client.post("/language", data={"lang": "hu", "next": "/overview"})).status_code == 403
    changed = await client.post("/language", data={"lang": "hu", "next": "/questions", "csrf": token})
    assert (changed.status_code, changed.headers["location"]) == (303, "/questions")

    page = await client.get("/questions", headers={"accept-language": "it"})
    assert '<html lang="hu">' in page.text
    async with web_db.transaction() as session:
        assert (await session.scalars(select(WebSession.language))).all() == ["hu"]


async def test_every_response_carries_the_security_headers(client_for: Client) -> None:
    response = await (await client_for()).get("/login")

    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"
