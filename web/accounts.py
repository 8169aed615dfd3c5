"""Dashboard accounts: argon2 password hashes, roles and country scopes, and sign-in limited per account
and per client address (5 failures in 15 minutes lock both for the rest of that window). Attempts are
kept for that window only (``actions.personal_data.STAFF_TABLES`` declares what each staff table holds)."""

from __future__ import annotations

import asyncio
import re
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select, text, update

from actions.models import COUNTRIES, LoginAttempt, WebSession, WebUser, utcnow
from actions.personal_data import ATTEMPTS_KEPT_FOR, erase_staff
from actions.reports.model import Scope
from core.db import Database

WEB_ROLES = ("partner", "coach", "admin")
MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)
KEEP_ATTEMPTS = ATTEMPTS_KEPT_FOR  # no longer than the window needs: the raw client address goes with them
MIN_PASSWORD = 10
#: First key of ``pg_advisory_xact_lock(namespace, key)``: "WEBL", so other locks never collide.
LOCK_NAMESPACE = int.from_bytes(b"WEBL", "big")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

_hasher = PasswordHasher()
#: Verified against when the account does not exist, so both cases take the same time.
_DUMMY_HASH = _hasher.hash("not a password of anyone")


class AccountError(ValueError):
    """A refused account change, with a one-line reason for the operator."""


@dataclass(frozen=True)
class Account:
    """A dashboard account as the web layer sees it (never the hash)."""

    id: int
    email: str
    role: str
    countries: frozenset[str]
    disabled: bool
    created_at: datetime
    last_login_at: datetime | None

    @property
    def scope(self) -> Scope:
        """Partners see their countries only; coaches and admins see all."""
        return Scope(self.countries) if self.role == "partner" else Scope(None)


class Outcome(Enum):
    """How a sign-in attempt ended."""

    OK = "ok"
    WRONG = "wrong"  # unknown address, wrong password or disabled account: one answer for all three
    LOCKED = "locked"


def to_account(row: WebUser) -> Account:
    """The account of a row (without its hash)."""
    return Account(
        id=row.id,
        email=row.email,
        role=row.role,
        countries=frozenset(filter(None, row.countries.split(","))),
        disabled=row.disabled,
        created_at=row.created_at,
        last_login_at=row.last_login_at,
    )


def normalise_email(email: str) -> str:
    """Addresses are compared lower-case and without surrounding spaces."""
    return email.strip().lower()


class AccountService:
    """Creates, lists and disables accounts, and checks passwords with the attempt limits."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(
        self, email: str, role: str, password: str, countries: frozenset[str] = frozenset()
    ) -> Account:
        """Create an account; a partner needs at least one country, the others take none."""
        email = normalise_email(email)
        if not EMAIL.match(email) or len(email) > 254:
            raise AccountError(f"not an e-mail address: {email!r}")
        if role not in WEB_ROLES:
            raise AccountError(f"unknown role {role!r}; use {', '.join(WEB_ROLES)}")
        if unknown := sorted(countries - set(COUNTRIES)):
            raise AccountError(f"unknown country {unknown[0]!r}; use {', '.join(COUNTRIES)}")
        if role == "partner" and not countries:
            raise AccountError("a partner needs --countries (for example --countries IT,DE)")
        if role != "partner" and countries:
            raise AccountError(f"a {role} sees every country; --countries is for partners")
        if len(password) < MIN_PASSWORD:
            raise AccountError(f"the password needs at least {MIN_PASSWORD} characters")
        hashed = await asyncio.to_thread(_hasher.hash, password)
        async with self.db.transaction() as session:
            if await session.scalar(select(WebUser.id).where(WebUser.email == email)) is not None:
                raise AccountError(f"{email} already has an account")
            row = WebUser(
                email=email,
                password_hash=hashed,
                role=role,
                countries=",".join(sorted(countries)),
                disabled=False,
                created_at=utcnow(),
            )
            session.add(row)
            await session.flush()
            return to_account(row)

    async def list(self) -> list[Account]:
        """Every account, by e-mail address."""
        async with self.db.transaction() as session:
            rows = (await session.scalars(select(WebUser).order_by(WebUser.email))).all()
            return [to_account(row) for row in rows]

    async def get(self, email: str) -> Account | None:
        """The account with this address, if any."""
        async with self.db.transaction() as session:
            row = await session.scalar(select(WebUser).where(WebUser.email == normalise_email(email)))
            return to_account(row) if row is not None else None

    async def disable(self, email: str) -> bool:
        """Disable an account and end its sessions; False when there is no such account."""
        async with self.db.transaction() as session:
            row = await session.scalar(select(WebUser).where(WebUser.email == normalise_email(email)))
            if row is None:
                return False
            row.disabled = True
            await session.execute(delete(WebSession).where(WebSession.web_user_id == row.id))
            return True

    async def delete(self, email: str) -> dict[str, int] | None:
        """Erase an account, its sessions and the attempts under its address; None when there is none."""
        email = normalise_email(email)
        async with self.db.transaction() as session:
            account_id = await session.scalar(select(WebUser.id).where(WebUser.email == email))
            if account_id is None:
                return None
            return await erase_staff(session, account_id, email)

    async def set_password(self, email: str, password: str) -> bool:
        """Replace an account's password and end its sessions; False when there is no such account."""
        if len(password) < MIN_PASSWORD:
            raise AccountError(f"the password needs at least {MIN_PASSWORD} characters")
        hashed = await asyncio.to_thread(_hasher.hash, password)
        async with self.db.transaction() as session:
            row = await session.scalar(select(WebUser).where(WebUser.email == normalise_email(email)))
            if row is None:
                return False
            row.password_hash = hashed
            await session.execute(delete(WebSession).where(WebSession.web_user_id == row.id))
            return True

    async def _reserve(self, email: str, address: str) -> int | None:
        """Record the attempt as a failure before the password is checked, unless the account or the
        address already has 5 failures in the window (then None: locked).

        Counting and recording are one step under a lock — PostgreSQL: transaction-scoped advisory locks
        on the account and on the address, in a fixed order; SQLite: the writer lock the insert takes
        first — so concurrent wrong passwords cannot get more than 5 checks past the limit.
        """
        now = utcnow()
        async with self.db.transaction() as session:
            if session.get_bind().dialect.name == "postgresql":
                await session.execute(text("SET LOCAL lock_timeout = '10s'"))
                for key in sorted({_lock_key("account", email), _lock_key("address", address)}):
                    await session.execute(
                        text("SELECT pg_advisory_xact_lock(:namespace, :key)"),
                        {"namespace": LOCK_NAMESPACE, "key": key},
                    )
            attempt = LoginAttempt(email=email, address=address, succeeded=False, at=now)
            session.add(attempt)
            await session.flush()
            failures = select(func.count()).where(
                LoginAttempt.succeeded.is_(False),
                LoginAttempt.at >= now - WINDOW,
                LoginAttempt.id != attempt.id,
            )
            by_account = await session.scalar(failures.where(LoginAttempt.email == email))
            by_address = await session.scalar(failures.where(LoginAttempt.address == address))
            if (by_account or 0) >= MAX_FAILURES or (by_address or 0) >= MAX_FAILURES:
                await session.delete(attempt)  # a refused attempt is not counted: the lock ends on time
                return None
            await session.execute(delete(LoginAttempt).where(LoginAttempt.at < now - KEEP_ATTEMPTS))
            return attempt.id

    async def sign_in(self, email: str, password: str, address: str) -> tuple[Outcome, Account | None]:
        """Check a password unless the account or the address is locked; every check is recorded."""
        email = normalise_email(email)[:254]
        address = address[:64]
        attempt = await self._reserve(email, address)
        if attempt is None:
            return Outcome.LOCKED, None
        async with self.db.transaction() as session:
            row = await session.scalar(select(WebUser).where(WebUser.email == email))
        stored = row.password_hash if row is not None else _DUMMY_HASH
        try:
            good: bool = await asyncio.to_thread(_hasher.verify, stored, password)
        except (VerificationError, InvalidHashError):
            good = False
        if not good or row is None or row.disabled:
            return Outcome.WRONG, None
        now = utcnow()
        values: dict[str, object] = {"last_login_at": now}
        if _hasher.check_needs_rehash(row.password_hash):
            values["password_hash"] = await asyncio.to_thread(_hasher.hash, password)
        async with self.db.transaction() as session:
            await session.execute(
                update(LoginAttempt).where(LoginAttempt.id == attempt).values(succeeded=True)
            )
            await session.execute(update(WebUser).where(WebUser.id == row.id).values(**values))
        row.last_login_at = now
        return Outcome.OK, to_account(row)


def _lock_key(kind: str, value: str) -> int:
    """A signed 32-bit key for ``pg_advisory_xact_lock``; a collision only makes two attempts wait."""
    digest = zlib.crc32(f"{kind}:{value}".encode())
    return digest - 2**32 if digest >= 2**31 else digest


__all__ = ["Account", "AccountError", "AccountService", "Outcome"]
