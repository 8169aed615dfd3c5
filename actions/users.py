"""People: profile, consent, data export and erasure."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from actions.models import (
    COUNTRIES,
    SECTORS,
    ArticleFeedback,
    MentoringRequest,
    MessageLog,
    User,
    UserRole,
    new_pseudonym,
    utcnow,
)
from actions.personal_data import Person, erase_leftovers, erase_person, export_person
from actions.surveys.definitions import shipped
from actions.surveys.privacy import forget_free_text
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
    reachable: bool = True
    invitations: bool = False  # takes invitations from the coaches (an explicit choice, else consent)

    @property
    def onboarded(self) -> bool:
        """Whether the person finished (or deliberately skipped) the profile questions."""
        return self.consent_declined or (
            self.has_consent and self.country is not None and self.sector is not None
        )


async def upsert_user(session: AsyncSession, telegram_id: int) -> User:
    """The person's record, created on first contact; two workers seeing a new person create one row."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    now = utcnow()
    await session.execute(
        insert(User)
        .values(
            telegram_id=telegram_id,
            pseudonym=new_pseudonym(),
            blocked=False,
            created_at=now,
            last_seen_at=now,
        )
        .on_conflict_do_nothing(index_elements=["telegram_id"])
    )
    user = await session.scalar(select(User).where(User.telegram_id == telegram_id))
    assert user is not None
    return user


async def _roles(session: AsyncSession, user: User) -> frozenset[str]:
    found = await session.scalars(select(UserRole.role).where(UserRole.user_id == user.id))
    return frozenset({"user", *found})


def _profile(user: User, roles: frozenset[str]) -> Profile:
    return Profile(
        pseudonym=user.pseudonym,
        language=user.language,
        country=user.country,
        sector=user.sector,
        has_consent=user.has_consent,
        consent_declined=user.consent_declined_at is not None and not user.has_consent,
        roles=roles,
        blocked=user.blocked,
        reachable=user.unreachable_at is None,
        invitations=user.has_consent if user.invitations is None else user.invitations,
    )


class UserService:
    """Reads and changes people's records, each call in its own transaction."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def _get_or_create(self, session: AsyncSession, telegram_id: int) -> User:
        return await upsert_user(session, telegram_id)

    async def touch(self, telegram_id: int) -> Profile:
        """Return the person's profile, creating a bare record on first contact."""
        async with self.db.transaction() as session:
            user = await self._get_or_create(session, telegram_id)
            user.last_seen_at = utcnow()
            return _profile(user, await _roles(session, user))

    async def find(self, telegram_id: int) -> Profile | None:
        """Return the profile if the person is known."""
        async with self.db.transaction() as session:
            user = await session.scalar(select(User).where(User.telegram_id == telegram_id))
            return None if user is None else _profile(user, await _roles(session, user))

    async def set_language(self, telegram_id: int, language: str) -> Profile:
        """Store the chosen interface language (needed to talk to the person at all)."""
        async with self.db.transaction() as session:
            user = await self._get_or_create(session, telegram_id)
            user.language = language
            return _profile(user, await _roles(session, user))

    async def give_consent(self, telegram_id: int) -> Profile:
        """Record consent to a stored profile."""
        async with self.db.transaction() as session:
            user = await self._get_or_create(session, telegram_id)
            user.consent_at = utcnow()
            user.consent_declined_at = None
            return _profile(user, await _roles(session, user))

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
            await session.execute(
                update(ArticleFeedback)
                .where(ArticleFeedback.pseudonym == user.pseudonym)
                .values(question=None)
            )
            await session.execute(
                update(MentoringRequest).where(MentoringRequest.pseudonym == user.pseudonym).values(need=None)
            )
            await forget_free_text(session, user.pseudonym, shipped())
            return _profile(user, await _roles(session, user))

    async def set_country(self, telegram_id: int, country: str) -> Profile:
        """Store the country (only with consent)."""
        if country not in COUNTRIES:
            raise ValueError(f"unknown country {country!r}")
        async with self.db.transaction() as session:
            user = await self._get_or_create(session, telegram_id)
            if not user.has_consent:
                raise PermissionError("no consent for a stored profile")
            user.country = country
            return _profile(user, await _roles(session, user))

    async def set_sector(self, telegram_id: int, sector: str) -> Profile:
        """Store the business sector (only with consent)."""
        if sector not in SECTORS:
            raise ValueError(f"unknown sector {sector!r}")
        async with self.db.transaction() as session:
            user = await self._get_or_create(session, telegram_id)
            if not user.has_consent:
                raise PermissionError("no consent for a stored profile")
            user.sector = sector
            return _profile(user, await _roles(session, user))

    async def set_reachable(self, telegram_id: int, reachable: bool) -> bool:
        """Record that the person blocked (or unblocked) the bot; return whether the state changed."""
        async with self.db.transaction() as session:
            user = await session.scalar(select(User).where(User.telegram_id == telegram_id))
            if user is None or (user.unreachable_at is None) == reachable:
                return False
            user.unreachable_at = None if reachable else utcnow()
            return True

    async def telegram_id_of(self, pseudonym: str) -> int | None:
        """The chat of a person known by pseudonym, if they are still known and reachable."""
        async with self.db.transaction() as session:
            return await session.scalar(
                select(User.telegram_id).where(User.pseudonym == pseudonym, User.unreachable_at.is_(None))
            )

    async def telegram_ids_of(self, pseudonyms: Iterable[str]) -> dict[str, int]:
        """The chats of the people known and reachable among ``pseudonyms``, by pseudonym."""
        async with self.db.transaction() as session:
            rows = await session.execute(
                select(User.pseudonym, User.telegram_id).where(
                    User.pseudonym.in_(set(pseudonyms)), User.unreachable_at.is_(None)
                )
            )
            return {pseudonym: telegram_id for pseudonym, telegram_id in rows}

    async def export(self, telegram_id: int) -> dict[str, Any]:
        """Return everything stored about the person, as a JSON-ready document."""
        async with self.db.transaction() as session:
            user = await session.scalar(select(User).where(User.telegram_id == telegram_id))
            if user is None:
                return {"telegram_id": telegram_id, "stored": "nothing"}
            document = await export_person(session, _person(user))
            return {
                "privacy_policy_version": PRIVACY_POLICY_VERSION,
                "exported_at": _iso(utcnow()),
                **document,
            }

    async def forget(self, telegram_id: int) -> bool:
        """Delete everything stored about the person; return whether anything existed."""
        async with self.db.transaction() as session:
            user = await session.scalar(select(User).where(User.telegram_id == telegram_id))
            if user is not None:
                await erase_person(session, _person(user))
            await erase_leftovers(session, telegram_id)
            return user is not None


def _person(user: User) -> Person:
    return Person(id=user.id, telegram_id=user.telegram_id, pseudonym=user.pseudonym)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()
