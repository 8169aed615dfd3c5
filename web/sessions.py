"""Server-side sessions: a random cookie token whose SHA-256 is stored, a CSRF token, the chosen language.

A session ends after 8 hours without a request, 24 hours after sign-in, on logout, or when its account is
disabled.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select

from actions.models import WebSession, WebUser, aware, utcnow
from core.db import Database
from web.accounts import Account, to_account

IDLE = timedelta(hours=8)
ABSOLUTE = timedelta(hours=24)
TOUCH_EVERY = timedelta(minutes=1)  # last_seen_at is written at most this often


@dataclass(frozen=True)
class Session:
    """A valid session and its account."""

    id: int
    account: Account
    csrf_token: str
    language: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SessionStore:
    """Creates, finds (and expires), relabels and deletes sessions."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, account: Account, language: str) -> str:
        """Start a session; returns the cookie token (only its digest is kept)."""
        token = secrets.token_urlsafe(32)
        now = utcnow()
        async with self.db.transaction() as session:
            session.add(
                WebSession(
                    token_hash=_digest(token),
                    web_user_id=account.id,
                    csrf_token=secrets.token_urlsafe(32),
                    language=language,
                    created_at=now,
                    last_seen_at=now,
                )
            )
            # Expired sessions of anyone go when someone signs in: the table stays small without a job.
            await session.execute(
                delete(WebSession).where(
                    (WebSession.last_seen_at < now - IDLE) | (WebSession.created_at < now - ABSOLUTE)
                )
            )
        return token

    async def find(self, token: str | None) -> Session | None:
        """The live session of a cookie token; an expired one is deleted and None returned."""
        if not token or len(token) > 128:
            return None
        now = utcnow()
        async with self.db.transaction() as session:
            found = (
                await session.execute(
                    select(WebSession, WebUser)
                    .join(WebUser, WebUser.id == WebSession.web_user_id)
                    .where(WebSession.token_hash == _digest(token))
                )
            ).first()
            if found is None:
                return None
            row, user = found
            if (
                user.disabled
                or aware(row.last_seen_at) < now - IDLE
                or aware(row.created_at) < now - ABSOLUTE
            ):
                await session.delete(row)
                return None
            if aware(row.last_seen_at) < now - TOUCH_EVERY:
                row.last_seen_at = now
            return Session(
                id=row.id, account=to_account(user), csrf_token=row.csrf_token, language=row.language
            )

    async def set_language(self, session_id: int, language: str) -> None:
        """Remember the language chosen in the selector."""
        async with self.db.transaction() as session:
            row = await session.get(WebSession, session_id)
            if row is not None:
                row.language = language

    async def end(self, session_id: int) -> None:
        """Delete a session (logout)."""
        async with self.db.transaction() as session:
            await session.execute(delete(WebSession).where(WebSession.id == session_id))
