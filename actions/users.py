"""People: profile, consent, data export and erasure."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from actions.models import (
    COUNTRIES,
    SECTORS,
    ArticleFeedback,
    ConversationState,
    MessageLog,
    PersistedData,
    Ticket,
    User,
    utcnow,
)
from core.db import Database

PRIVACY_POLICY_VERSION = "2026-11"


@dataclass(frozen=True)
class Profile:
    """What the Telegram edge needs to know about a person."""

    pseudonym: str
    language: str | None
    country: str | None
    sector: str | None
    has_consent: bool
    consent_declined: bool
    roles: frozenset[str]
    blocked: bool

    @property
    def onboarded(self) -> bool:
        """Whether the person finished (or deliberately skipped) the profile questions."""
        return self.consent_declined or (
            self.has_consent and self.country is not None and self.sector is not None
        )


def _profile(user: User) -> Profile:
    return Profile(
        pseudonym=user.pseudonym,
        language=user.language,
        country=user.country,
        sector=user.sector,
        has_consent=user.has_consent,
        consent_declined=user.consent_declined_at is not None and not user.has_consent,
        roles=frozenset(user.role_set),
        blocked=user.blocked,
    )


class UserService:
    """Reads and changes people's records, each call in its own transaction."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def _get_or_create(self, session: AsyncSession, telegram_id: int) -> User:
        user = await session.scalar(select(User).where(User.telegram_id == telegram_id))
        if user is None:
            user = User(telegram_id=telegram_id)
            session.add(user)
            await session.flush()
        return user

    async def touch(self, telegram_id: int) -> Profile:
        """Return the person's profile, creating a bare record on first contact."""
        async with self.db.transaction() as session:
            user = await self._get_or_create(session, telegram_id)
            user.last_seen_at = utcnow()
            return _profile(user)

    async def find(self, telegram_id: int) -> Profile | None:
        """Return the profile if the person is known."""
        async with self.db.transaction() as session:
            user = await session.scalar(select(User).where(User.telegram_id == telegram_id))
            return None if user is None else _profile(user)

    async def set_language(self, telegram_id: int, language: str) -> Profile:
        """Store the chosen interface language (needed to talk to the person at all)."""
        async with self.db.transaction() as session:
            user = await self._get_or_create(session, telegram_id)
            user.language = language
            return _profile(user)

    async def give_consent(self, telegram_id: int) -> Profile:
        """Record consent to a stored profile."""
        async with self.db.transaction() as session:
            user = await self._get_or_create(session, telegram_id)
            user.consent_at = utcnow()
            user.consent_declined_at = None
            return _profile(user)

    async def decline_consent(self, telegram_id: int) -> Profile:
        """Record that the person declined: drop profile fields and stored question texts."""
        async with self.db.transaction() as session:
            user = await self._get_or_create(session, telegram_id)
            user.consent_at = None
            user.consent_declined_at = utcnow()
            user.country = None
            user.sector = None
            await session.execute(
                update(MessageLog).where(MessageLog.pseudonym == user.pseudonym).values(text=None)
            )
            return _profile(user)

    async def set_country(self, telegram_id: int, country: str) -> Profile:
        """Store the country (only with consent)."""
        if country not in COUNTRIES:
            raise ValueError(f"unknown country {country!r}")
        async with self.db.transaction() as session:
            user = await self._get_or_create(session, telegram_id)
            if not user.has_consent:
                raise PermissionError("no consent for a stored profile")
            user.country = country
            return _profile(user)

    async def set_sector(self, telegram_id: int, sector: str) -> Profile:
        """Store the business sector (only with consent)."""
        if sector not in SECTORS:
            raise ValueError(f"unknown sector {sector!r}")
        async with self.db.transaction() as session:
            user = await self._get_or_create(session, telegram_id)
            if not user.has_consent:
                raise PermissionError("no consent for a stored profile")
            user.sector = sector
            return _profile(user)

    async def grant_role(self, telegram_id: int, role: str) -> Profile:
        """Add a role (coach, partner, admin) to a person."""
        async with self.db.transaction() as session:
            user = await self._get_or_create(session, telegram_id)
            user.roles = ",".join(sorted(user.role_set | {role}))
            return _profile(user)

    async def export(self, telegram_id: int) -> dict[str, Any]:
        """Return everything stored about the person, as a JSON-ready document."""
        async with self.db.transaction() as session:
            user = await session.scalar(select(User).where(User.telegram_id == telegram_id))
            if user is None:
                return {"telegram_id": telegram_id, "stored": "nothing"}
            logs = (
                await session.scalars(
                    select(MessageLog).where(MessageLog.pseudonym == user.pseudonym).order_by(MessageLog.id)
                )
            ).all()
            stored = (
                await session.scalars(
                    select(PersistedData).where(
                        PersistedData.kind.in_(("user", "chat")), PersistedData.key == telegram_id
                    )
                )
            ).all()
            conversations = (
                await session.scalars(
                    select(ConversationState).where(ConversationState.user_id == telegram_id)
                )
            ).all()
            tickets = (
                await session.scalars(
                    select(Ticket).where(Ticket.pseudonym == user.pseudonym).order_by(Ticket.id)
                )
            ).all()
            votes = (
                await session.scalars(
                    select(ArticleFeedback).where(ArticleFeedback.pseudonym == user.pseudonym)
                )
            ).all()
            return {
                "privacy_policy_version": PRIVACY_POLICY_VERSION,
                "exported_at": _iso(utcnow()),
                "profile": {
                    "pseudonym": user.pseudonym,
                    "telegram_id": user.telegram_id,
                    "language": user.language,
                    "country": user.country,
                    "sector": user.sector,
                    "consent_at": _iso(user.consent_at),
                    "consent_declined_at": _iso(user.consent_declined_at),
                    "roles": sorted(user.role_set),
                    "blocked": user.blocked,
                    "created_at": _iso(user.created_at),
                    "last_seen_at": _iso(user.last_seen_at),
                },
                "messages": [
                    {
                        "direction": log.direction,
                        "language": log.language,
                        "intent": log.intent,
                        "text": log.text,
                        "at": _iso(log.created_at),
                    }
                    for log in logs
                ],
                "coach_questions": [
                    {
                        "ticket": ticket.id,
                        "question": ticket.question,
                        "status": ticket.status,
                        "answer": ticket.answer,
                        "at": _iso(ticket.created_at),
                    }
                    for ticket in tickets
                ],
                "article_feedback": [
                    {
                        "article": vote.article_id,
                        "language": vote.language,
                        "vote": vote.vote,
                        "question": vote.question,
                    }
                    for vote in votes
                ],
                "conversation_data": {f"{row.kind}_data": row.data for row in stored},
                "conversation_states": {row.name: json.loads(json.dumps(row.state)) for row in conversations},
            }

    async def forget(self, telegram_id: int) -> bool:
        """Delete everything stored about the person; return whether anything existed."""
        async with self.db.transaction() as session:
            user = await session.scalar(select(User).where(User.telegram_id == telegram_id))
            if user is not None:
                for model in (MessageLog, Ticket, ArticleFeedback):
                    await session.execute(delete(model).where(model.pseudonym == user.pseudonym))
                await session.delete(user)
            await session.execute(
                delete(PersistedData).where(
                    PersistedData.kind.in_(("user", "chat")), PersistedData.key == telegram_id
                )
            )
            await session.execute(delete(ConversationState).where(ConversationState.user_id == telegram_id))
            return user is not None


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()
